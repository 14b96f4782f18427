/**
 * What /proc says about the local backend's processes. A recorded pid may
 * have been reused by an unrelated process after a crash or a reboot, so a
 * process counts as a cluster's only when its command line names the
 * cluster's scheduler file (every scheduler and worker command does).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { signalGroup } from '../exec';

/** A process's command line (NUL-separated arguments), or null when gone. */
export function cmdline(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text ? text.replace(/\0$/, '').split('\0') : null;
  } catch {
    return null;
  }
}

/** State letter and process group of a process, or null when gone. */
function stat(pid: number): { state: string; pgrp: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], pgrp: Number(fields[2]) };
  } catch {
    return null;
  }
}

/** True while `pid` runs (not a zombie) with `marker` in an argument. */
export function runsWith(pid: number | undefined, marker: string): boolean {
  if (!pid) {
    return false;
  }
  const s = stat(pid);
  if (!s || s.state === 'Z' || s.state === 'X') {
    return false;
  }
  return (cmdline(pid) ?? []).some(arg => arg.includes(marker));
}

/** Live (non-zombie) members of process group `pgid`. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) {
      continue;
    }
    const s = stat(Number(name));
    if (s && s.pgrp === pgid && s.state !== 'Z' && s.state !== 'X') {
      members.push(Number(name));
    }
  }
  return members;
}

/**
 * Is group `pgid` (led by a process started with `marker` in its command
 * line) still ours? While its leader runs, the leader must carry the
 * marker; once the leader is gone, a group that still has members is the
 * same group: the kernel never hands out a pid that is still a group's id.
 */
export function ownGroup(pgid: number | undefined, marker: string): boolean {
  if (!pgid) {
    return false;
  }
  const leader = stat(pgid);
  if (leader && leader.state !== 'Z' && leader.state !== 'X') {
    return runsWith(pgid, marker);
  }
  return groupMembers(pgid).length > 0;
}

/** Processes (any group) whose command line mentions `marker`. */
export function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (/^\d+$/.test(name) && runsWith(Number(name), marker)) {
      found.push(Number(name));
    }
  }
  return found;
}

/**
 * Stops the groups that are still ours: SIGTERM, then SIGKILL after
 * `graceMs`. Resolves once none of them has a member left (or `graceMs`
 * after the SIGKILL).
 */
export async function stopGroups(
  pgids: number[],
  marker: string,
  graceMs: number
): Promise<void> {
  const ours = pgids.filter(pgid => ownGroup(pgid, marker));
  for (const pgid of ours) {
    signalGroup(pgid, 'SIGTERM');
  }
  const gone = (): boolean => ours.every(pgid => !groupMembers(pgid).length);
  if (await until(gone, graceMs)) {
    return;
  }
  for (const pgid of ours) {
    signalGroup(pgid, 'SIGKILL');
  }
  await until(gone, graceMs);
}

/** Polls `check` every 100 ms until it holds or `ms` pass. */
export async function until(
  check: () => boolean,
  ms: number
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() >= deadline) {
      return false;
    }
    await new Promise(r => setTimeout(r, 100));
  }
  return true;
}
