/** Helpers shared by the unit tests (not a test file itself). */
import { readFileSync } from 'node:fs';

/**
 * True while `pid` runs. A killed process whose parent died is reparented to
 * pid 1, which on some machines (containers, microVM inits) reaps it late:
 * a zombie counts as gone.
 */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": the state follows the last ')'.
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Polls `check` until it holds or `timeoutMs` passes; returns its last value. */
export async function waitFor(
  check: () => boolean,
  timeoutMs = 5000
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) {
      return true;
    }
    await new Promise(r => setTimeout(r, 20));
  }
  return check();
}
