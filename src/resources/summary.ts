/**
 * What the status bar says about a sample, as data: each part's text, its
 * warning level and its tooltip line. Pure, so it is tested without a DOM.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import {
  formatBytes,
  formatCores,
  formatDuration,
  formatUsedOf,
  ratio
} from './format';
import type { ISample } from './types';

export type Level = 'ok' | 'warn' | 'danger';
export type PartKind = 'cpu' | 'memory' | 'gpu' | 'time';

export interface IPart {
  kind: PartKind;
  text: string;
  level: Level;
  /** A longer sentence for the tooltip. */
  detail: string;
}

export interface ISummaryOptions {
  /** Fraction of a limit from which a part warns (settings: warnAt). */
  warnAt: number;
  /** Fraction from which it is shown as critical (settings: dangerAt). */
  dangerAt: number;
  /** Seconds left in the allocation below which time warns. */
  timeWarnSeconds: number;
  /** Which parts to show (settings). */
  show: Record<PartKind, boolean>;
}

export function levelOf(
  fraction: number | null,
  options: ISummaryOptions
): Level {
  if (fraction === null) {
    return 'ok';
  }
  if (fraction >= options.dangerAt) {
    return 'danger';
  }
  return fraction >= options.warnAt ? 'warn' : 'ok';
}

/** The memory ceiling that applies: the cgroup's limit, else the node's. */
export function memoryCeiling(sample: ISample): number | null {
  return sample.memory.limitBytes ?? sample.memory.nodeTotalBytes ?? null;
}

/**
 * Seconds left in the allocation at `now` (ms), counting down from the
 * sample's value between polls; null outside a Slurm job or when unknown.
 */
export function secondsLeft(sample: ISample, now: number): number | null {
  const job = sample.job;
  if (!job) {
    return null;
  }
  if (job.endTime) {
    const end = Date.parse(job.endTime);
    if (Number.isFinite(end)) {
      return Math.max(0, Math.round((end - now) / 1000));
    }
  }
  return job.secondsLeft ?? null;
}

/** The status bar's parts, in order, leaving out what is unknown or hidden. */
export function summarize(
  sample: ISample,
  now: number,
  options: ISummaryOptions,
  trans: TranslationBundle
): IPart[] {
  const parts: IPart[] = [];
  const { cpu, memory } = sample;

  if (options.show.cpu && cpu.usedCores !== null) {
    const limit = cpu.limitCores;
    parts.push({
      kind: 'cpu',
      text:
        limit !== null
          ? trans.__(
              'CPU %1/%2',
              formatCores(cpu.usedCores),
              formatCores(limit)
            )
          : trans.__('CPU %1', formatCores(cpu.usedCores)),
      level: levelOf(ratio(cpu.usedCores, limit), options),
      detail:
        limit !== null
          ? trans.__(
              'CPU: %1 of the %2 cores you may use',
              formatCores(cpu.usedCores),
              formatCores(limit)
            )
          : trans.__('CPU: %1 cores in use', formatCores(cpu.usedCores))
    });
  }

  if (options.show.memory && memory.usedBytes !== null) {
    const ceiling = memoryCeiling(sample);
    const limited = memory.limitBytes !== null;
    parts.push({
      kind: 'memory',
      text:
        ceiling !== null
          ? trans.__('Mem %1', formatUsedOf(memory.usedBytes, ceiling))
          : trans.__('Mem %1', formatBytes(memory.usedBytes)),
      level: levelOf(ratio(memory.usedBytes, ceiling), options),
      detail:
        ceiling === null
          ? trans.__('Memory: %1 in use', formatBytes(memory.usedBytes))
          : limited
            ? trans.__(
                'Memory: %1 of your %2 limit; above it the kernel kills a process',
                formatBytes(memory.usedBytes),
                formatBytes(ceiling)
              )
            : trans.__(
                'Memory: %1 of the node’s %2 (no memory limit)',
                formatBytes(memory.usedBytes),
                formatBytes(ceiling)
              )
    });
  }

  if (options.show.gpu && sample.gpus.length > 0) {
    const utils = sample.gpus
      .map(gpu => gpu.utilizationPct)
      .filter((u): u is number => u !== null);
    const memoryFractions = sample.gpus
      .map(gpu => ratio(gpu.memoryUsedBytes, gpu.memoryTotalBytes))
      .filter((f): f is number => f !== null);
    const worst = memoryFractions.length ? Math.max(...memoryFractions) : null;
    const mean = utils.length
      ? Math.round(utils.reduce((a, b) => a + b, 0) / utils.length)
      : null;
    const count = sample.gpus.length;
    parts.push({
      kind: 'gpu',
      text:
        mean === null
          ? trans._n('GPU', '%1 GPUs', count)
          : count === 1
            ? trans.__('GPU %1%', mean)
            : trans.__('%1 GPUs %2%', count, mean),
      level: levelOf(worst, options),
      detail: sample.gpus
        .map(gpu =>
          trans.__(
            'GPU %1 (%2): %3 busy, memory %4',
            gpu.index,
            gpu.name,
            gpu.utilizationPct === null
              ? trans.__('unknown')
              : `${gpu.utilizationPct}%`,
            gpu.memoryUsedBytes !== null && gpu.memoryTotalBytes !== null
              ? formatUsedOf(gpu.memoryUsedBytes, gpu.memoryTotalBytes)
              : trans.__('unknown')
          )
        )
        .join('\n')
    });
  }

  const left = options.show.time ? secondsLeft(sample, now) : null;
  if (left !== null) {
    parts.push({
      kind: 'time',
      text: trans.__('%1 left', formatDuration(left)),
      level:
        left <= options.timeWarnSeconds / 4
          ? 'danger'
          : left <= options.timeWarnSeconds
            ? 'warn'
            : 'ok',
      detail: trans.__(
        'Slurm job %1 ends in %2; then everything in it is stopped',
        sample.job?.jobId ?? '',
        formatDuration(left)
      )
    });
  }
  return parts;
}
