/**
 * The charts (lazy chunk): CPU, memory with its limit, each GPU's use and
 * memory with its MIG slices, over 5 minutes or an hour, with synced
 * tooltips and a pause; and the heaviest processes. Colours come from the
 * Lab theme's CSS variables, read again when the theme changes.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import {
  Area,
  AreaChart,
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  YAxis
} from 'recharts';
import {
  clock,
  IChartColors,
  timeChartParts,
  useThemeColors
} from '../chartParts';
import {
  byteUnit,
  formatBytes,
  formatCores,
  inUnit,
  sampleTime
} from './format';
import { memoryCeiling } from './summary';
import type { IGpu, IProcess, ISample } from './types';

const SYNC_ID = 'jp-HpcMeter';
const RANGES = [300, 3600];

/** One point of the charts. */
export interface IRow {
  t: number;
  cpu: number | null;
  mem: number | null;
  [gpuKey: string]: number | null;
}

/** The chart rows of the samples within `rangeSeconds` of the latest. */
export function chartRows(
  samples: readonly ISample[],
  rangeSeconds: number
): IRow[] {
  if (!samples.length) {
    return [];
  }
  const end = sampleTime(samples[samples.length - 1].time);
  const start = end - rangeSeconds * 1000;
  const rows: IRow[] = [];
  for (const sample of samples) {
    const t = sampleTime(sample.time);
    if (t < start) {
      continue;
    }
    const row: IRow = {
      t,
      cpu: sample.cpu.usedCores,
      mem: sample.memory.usedBytes
    };
    for (const gpu of sample.gpus) {
      row[`util:${gpu.uuid}`] = gpu.utilizationPct;
      row[`mem:${gpu.uuid}`] =
        gpu.memoryUsedBytes !== null && gpu.memoryTotalBytes
          ? (100 * gpu.memoryUsedBytes) / gpu.memoryTotalBytes
          : null;
    }
    rows.push(row);
  }
  return rows;
}

export function ResourceCharts(props: {
  samples: readonly ISample[];
  error: string | null;
  warnAt: number;
  /** Kernel id → the notebook (session path) it runs for. */
  kernelNames?: ReadonlyMap<string, string>;
  trans: TranslationBundle;
}): JSX.Element {
  const { samples, error, warnAt, trans } = props;
  const colors = useThemeColors();
  const [range, setRange] = React.useState(RANGES[0]);
  const rangeLabel = (seconds: number) =>
    seconds === 300 ? trans.__('5 min') : trans.__('1 hour');
  const [frozen, setFrozen] = React.useState<readonly ISample[] | null>(null);
  const shown = frozen ?? samples;
  const latest = shown.length ? shown[shown.length - 1] : null;
  const rows = React.useMemo(
    () => chartRows(shown, range),
    // The samples array grows in place: its length and last time say when.
    [shown, shown.length, latest?.time, range]
  );

  if (!latest) {
    return (
      <div className="jp-HpcMeter-empty">
        {error
          ? trans.__('No measurements: %1', error)
          : trans.__('Waiting for the first measurement…')}
      </div>
    );
  }

  const ceiling = memoryCeiling(latest);
  const memUnit = byteUnit(ceiling ?? latest.memory.usedBytes ?? 1);
  const unitName = formatBytes(Math.pow(1024, memUnit)).split(' ')[1];
  const { axis, tooltip, xAxis } = timeChartParts(colors);

  return (
    <div className="jp-HpcMeter-charts">
      <div className="jp-HpcMeter-toolbar" role="toolbar">
        {RANGES.map(seconds => (
          <button
            key={seconds}
            className={
              seconds === range
                ? 'jp-HpcMeter-button jp-mod-active'
                : 'jp-HpcMeter-button'
            }
            aria-pressed={seconds === range}
            onClick={() => setRange(seconds)}
          >
            {rangeLabel(seconds)}
          </button>
        ))}
        <button
          className="jp-HpcMeter-button"
          aria-pressed={frozen !== null}
          onClick={() => setFrozen(frozen ? null : samples.slice())}
        >
          {frozen ? trans.__('Resume') : trans.__('Pause')}
        </button>
        {error && (
          <span className="jp-HpcMeter-error">
            {trans.__('Not up to date: %1', error)}
          </span>
        )}
      </div>

      <UsageChart
        label={trans.__('CPU')}
        title={
          latest.cpu.limitCores !== null
            ? trans.__(
                'CPU (cores, limit %1)',
                formatCores(latest.cpu.limitCores)
              )
            : trans.__('CPU (cores)')
        }
        dataKey="cpu"
        name={trans.__('cores')}
        rows={rows}
        colors={colors}
        xAxis={xAxis}
        limit={latest.cpu.limitCores}
      />
      <UsageChart
        label={trans.__('Memory')}
        title={
          latest.memory.limitBytes !== null
            ? trans.__(
                'Memory (%1, limit %2)',
                unitName,
                formatBytes(latest.memory.limitBytes)
              )
            : trans.__('Memory (%1, no limit)', unitName)
        }
        dataKey="mem"
        name={trans.__('in use')}
        rows={rows}
        colors={colors}
        xAxis={xAxis}
        max={ceiling}
        limit={latest.memory.limitBytes}
        warnAt={warnAt}
        tick={(v: number) => inUnit(v, memUnit)}
        value={formatBytes}
      />

      {latest.gpus.length > 0 && latest.gpuError && (
        <p className="jp-HpcMeter-note">{gpuReason(latest.gpuError, trans)}</p>
      )}
      {latest.gpus.length === 0 ? (
        <p className="jp-HpcMeter-note">
          {gpuReason(latest.gpuError ?? null, trans)}
        </p>
      ) : (
        latest.gpus.map(gpu => (
          <GpuChart
            key={gpu.uuid}
            gpu={gpu}
            rows={rows}
            colors={colors}
            axis={axis}
            xAxis={xAxis}
            tooltip={tooltip}
            trans={trans}
          />
        ))
      )}

      <Processes
        sample={latest}
        kernelNames={props.kernelNames ?? new Map()}
        trans={trans}
      />
    </div>
  );
}

/** Why there is no GPU, in words (the server sends a code). */
export function gpuReason(
  error: { code: string; message: string } | null,
  trans: TranslationBundle
): string {
  switch (error?.code ?? null) {
    case 'NO_NVIDIA_SMI':
      return trans.__('No GPU: nvidia-smi is not installed here.');
    case 'NO_DRIVER':
      return trans.__('No GPU: the NVIDIA driver is not loaded on this node.');
    case 'NO_GPU':
      return trans.__('No GPU on this node.');
    case 'NO_VISIBLE_GPU':
      return trans.__(
        'No GPU visible to you: CUDA_VISIBLE_DEVICES hides them all.'
      );
    case 'GPU_DISABLED':
      return trans.__('GPU monitoring is turned off by the site.');
    case 'NVIDIA_SMI_EXITED':
      return trans.__('nvidia-smi stopped; it is being restarted.');
    case null:
      return trans.__('No GPU visible to you.');
    default:
      // The server's own sentence for the rarer cases.
      return trans.__('GPUs could not be read: %1', error?.message ?? '');
  }
}

/** One usage series as an area, with its limit (and warning line) drawn. */
function UsageChart(props: {
  label: string;
  title: string;
  dataKey: string;
  name: string;
  rows: IRow[];
  colors: IChartColors;
  xAxis: JSX.Element;
  limit: number | null;
  /** The axis' top when it is not the limit (memory: the node's). */
  max?: number | null;
  /** Draw the warning line at this fraction of the limit. */
  warnAt?: number;
  tick?: (value: number) => string;
  value?: (value: number) => string;
}): JSX.Element {
  const { colors, limit } = props;
  const axis = {
    stroke: colors.text,
    tick: { fill: colors.text, fontSize: 11 }
  };
  const top = props.max ?? limit;
  return (
    <section className="jp-HpcMeter-chart" aria-label={props.label}>
      <h3>{props.title}</h3>
      <ResponsiveContainer width="100%" height={140}>
        <AreaChart data={props.rows} syncId={SYNC_ID}>
          <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" />
          {props.xAxis}
          <YAxis
            domain={[0, top ?? 'auto']}
            tickFormatter={props.tick}
            width={40}
            {...axis}
          />
          <Tooltip
            labelFormatter={label => clock(Number(label))}
            formatter={
              props.value
                ? (v: unknown) => props.value?.(Number(v)) ?? ''
                : undefined
            }
            contentStyle={{
              background: colors.background,
              borderColor: colors.grid,
              color: colors.text
            }}
          />
          <Area
            dataKey={props.dataKey}
            name={props.name}
            stroke={colors.line}
            fill={colors.line}
            fillOpacity={0.2}
            isAnimationActive={false}
          />
          {limit !== null && props.warnAt !== undefined && (
            <ReferenceLine
              y={limit * props.warnAt}
              stroke={colors.warn}
              strokeDasharray="4 4"
            />
          )}
          {limit !== null && <ReferenceLine y={limit} stroke={colors.limit} />}
        </AreaChart>
      </ResponsiveContainer>
    </section>
  );
}

function GpuChart(props: {
  gpu: IGpu;
  rows: IRow[];
  colors: IChartColors;
  axis: object;
  xAxis: JSX.Element;
  tooltip: JSX.Element;
  trans: TranslationBundle;
}): JSX.Element {
  const { gpu, rows, colors, axis, xAxis, tooltip, trans } = props;
  const mem =
    gpu.memoryUsedBytes !== null && gpu.memoryTotalBytes !== null
      ? `${formatBytes(gpu.memoryUsedBytes)} / ${formatBytes(gpu.memoryTotalBytes)}`
      : trans.__('unknown');
  return (
    <section
      className="jp-HpcMeter-chart"
      aria-label={trans.__('GPU %1', gpu.index)}
      data-uuid={gpu.uuid}
    >
      <h3>{trans.__('GPU %1 · %2 · memory %3', gpu.index, gpu.name, mem)}</h3>
      <ResponsiveContainer width="100%" height={120}>
        <LineChart data={rows} syncId={SYNC_ID}>
          <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" />
          {xAxis}
          <YAxis domain={[0, 100]} unit="%" width={40} {...axis} />
          {tooltip}
          <Line
            dataKey={`util:${gpu.uuid}`}
            name={trans.__('busy %')}
            stroke={colors.line}
            dot={false}
            isAnimationActive={false}
          />
          <Line
            dataKey={`mem:${gpu.uuid}`}
            name={trans.__('memory %')}
            stroke={colors.second}
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
      {gpu.migDevices && gpu.migDevices.length > 0 && (
        <table className="jp-HpcMeter-mig">
          <caption>{trans.__('MIG slices')}</caption>
          <tbody>
            {gpu.migDevices.map(mig => (
              <tr key={mig.uuid} data-uuid={mig.uuid}>
                <td>{mig.profile ?? trans.__('MIG device')}</td>
                <td className="jp-HpcMeter-uuid">{mig.uuid}</td>
                <td>
                  {mig.memoryUsedBytes !== null && mig.memoryTotalBytes !== null
                    ? `${formatBytes(mig.memoryUsedBytes)} / ${formatBytes(mig.memoryTotalBytes)}`
                    : trans.__('memory unknown')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** What to call a process: its notebook when it is a kernel we know. */
export function processLabel(
  p: IProcess,
  kernelNames: ReadonlyMap<string, string>,
  trans: TranslationBundle
): string {
  if (!p.kernelId) {
    return p.name;
  }
  const notebook = kernelNames.get(p.kernelId);
  return notebook
    ? trans.__('kernel of %1', notebook)
    : trans.__('%1 (kernel %2)', p.name, p.kernelId.slice(0, 8));
}

function Processes(props: {
  sample: ISample;
  kernelNames: ReadonlyMap<string, string>;
  trans: TranslationBundle;
}): JSX.Element | null {
  const { sample, kernelNames, trans } = props;
  const processes = [...(sample.processes?.top ?? [])]
    .sort(
      (a, b) =>
        (b.pssBytes ?? b.rssBytes ?? 0) - (a.pssBytes ?? a.rssBytes ?? 0)
    )
    .slice(0, 10);
  if (!processes.length) {
    return null;
  }
  return (
    <section className="jp-HpcMeter-processes">
      <h3>{trans.__('Heaviest processes')}</h3>
      <table>
        <thead>
          <tr>
            <th>{trans.__('Process')}</th>
            <th>{trans.__('PID')}</th>
            <th>{trans.__('Memory')}</th>
            <th>{trans.__('CPU (cores)')}</th>
          </tr>
        </thead>
        <tbody>
          {processes.map(p => {
            const bytes = p.pssBytes ?? p.rssBytes;
            return (
              <tr key={p.pid}>
                <td title={p.command}>{processLabel(p, kernelNames, trans)}</td>
                <td>{p.pid}</td>
                <td
                  title={
                    p.pssBytes !== null && p.pssBytes !== undefined
                      ? trans.__('PSS: shared pages counted once')
                      : trans.__('RSS (PSS not readable)')
                  }
                >
                  {bytes === null || bytes === undefined
                    ? '—'
                    : formatBytes(bytes)}
                </td>
                <td>
                  {p.cpuCores === null || p.cpuCores === undefined
                    ? '—'
                    : formatCores(p.cpuCores)}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
