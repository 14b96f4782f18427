/**
 * Adopting a cluster started elsewhere: where its scheduler is, from a
 * scheduler file (read, never written) or from an address and a dashboard
 * port, and whether it answers. Refusals are 400s in words; a scheduler
 * that doesn't answer is a 502.
 */
import { readFile } from 'node:fs/promises';
import { errors, HpcError } from '../errors';
import { parseSchedulerInfo } from './observe';
import { healthy, IEndpoint, parseAddress } from './scheduler-http';

/** The body of `POST api/dask/clusters/adopt`. */
export type IAdoptRequest = { name?: string } & (
  { schedulerFile: string } | { address: string; dashboardPort?: number }
);

export interface IAdoptTarget {
  address: string;
  dashboard: IEndpoint;
  /** The user's scheduler file, or null when adopted by address. */
  schedulerFile: string | null;
}

/** Where the scheduler of an adopt request is (nothing contacted yet). */
export async function locateScheduler(
  body: IAdoptRequest
): Promise<IAdoptTarget> {
  if (!('schedulerFile' in body)) {
    const scheduler = parseAddress(body.address);
    if (!scheduler) {
      throw errors.badRequest(
        `"${body.address}" is not a scheduler address: write it as tcp://host:port.`,
        'INVALID_INPUT'
      );
    }
    return {
      address: body.address,
      dashboard: { host: scheduler.host, port: body.dashboardPort ?? 8787 },
      schedulerFile: null
    };
  }
  const file = body.schedulerFile;
  const text = await readFile(file, 'utf8').catch((e: Error) => {
    throw errors.badRequest(
      `The scheduler file ${file} cannot be read (${e.message}): give the path of the JSON file the scheduler wrote with --scheduler-file.`,
      'BAD_SCHEDULER_FILE'
    );
  });
  const info = parseSchedulerInfo(text.slice(0, 1 << 20));
  if (!info?.dashboard) {
    throw errors.badRequest(
      `${file} is not a Dask scheduler file with a dashboard port (JSON with "address" and "services": {"dashboard": port}).`,
      'BAD_SCHEDULER_FILE'
    );
  }
  return {
    address: info.address,
    dashboard: info.dashboard,
    schedulerFile: file
  };
}

/** 502 SCHEDULER_UNREACHABLE unless the dashboard's `/health` answers. */
export async function checkReachable(dashboard: IEndpoint): Promise<void> {
  if (!(await healthy(dashboard))) {
    throw new HpcError(
      502,
      'SCHEDULER_UNREACHABLE',
      `Nothing answers at the scheduler's dashboard (http://${dashboard.host}:${dashboard.port}/health): is the scheduler running, and is its dashboard port right?`
    );
  }
}

/** Our note of an address-adopted scheduler, in the scheduler file's format. */
export function schedulerNote(target: IAdoptTarget): string {
  return JSON.stringify({
    type: 'Scheduler',
    address: target.address,
    services: { dashboard: target.dashboard.port }
  });
}
