/**
 * A cluster's charts (lazy chunk, recharts): workers, memory used against
 * the limit, tasks processing and queued, and throughput, over the last
 * five minutes. Colours come from the Lab theme's CSS variables, read again
 * when the theme changes.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import {
  Area,
  AreaChart,
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  YAxis
} from 'recharts';
import { timeChartParts, useThemeColors } from '../chartParts';
import { byteUnit, formatBytes, inUnit } from '../resources/format';
import type { IClusterSample } from './types';

/** One point of the charts; memory in the unit of the largest limit. */
export interface IClusterRow {
  t: number;
  workers: number;
  memory: number;
  limit: number;
  processing: number;
  queued: number;
  throughput: number;
}

/** The rows of the samples, oldest first, memory in `unit` (power of 1024). */
export function clusterRows(
  samples: readonly IClusterSample[],
  unit: number
): IClusterRow[] {
  const scale = Math.pow(1024, unit);
  return [...samples]
    .sort((a, b) => a.time - b.time)
    .map(s => ({
      t: s.time,
      workers: s.workers,
      memory: s.memoryBytes / scale,
      limit: s.memoryLimitBytes / scale,
      processing: s.processing,
      queued: s.queued,
      throughput: s.tasksPerSecond
    }));
}

export function ClusterCharts(props: {
  samples: readonly IClusterSample[];
  error: string | null;
  trans: TranslationBundle;
}): JSX.Element {
  const { samples, error, trans } = props;
  const colors = useThemeColors();
  const latest = samples.length ? samples[samples.length - 1] : null;
  const peak = samples.reduce(
    (m, s) => Math.max(m, s.memoryLimitBytes, s.memoryBytes),
    0
  );
  const unit = byteUnit(peak || 1);
  const unitName = formatBytes(Math.pow(1024, unit)).split(' ')[1];
  const rows = React.useMemo(
    () => clusterRows(samples, unit),
    [samples, samples.length, latest?.time, unit]
  );
  if (!latest) {
    return (
      <div className="jp-HpcDask-chartsEmpty">
        {error
          ? trans.__('No measurements: %1', error)
          : trans.__('Waiting for the first measurement…')}
      </div>
    );
  }
  const { axis, tooltip, xAxis } = timeChartParts(colors);
  const grid = <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" />;
  const chart = (title: string, summary: string, body: JSX.Element) => (
    <figure className="jp-HpcDask-chart">
      <figcaption>
        <span>{title}</span>
        <span className="jp-HpcDask-chartNow">{summary}</span>
      </figcaption>
      <ResponsiveContainer width="100%" height={160}>
        {body}
      </ResponsiveContainer>
    </figure>
  );
  return (
    <div className="jp-HpcDask-charts">
      {error ? (
        <p className="jp-HpcDask-error" role="alert">
          {error}
        </p>
      ) : null}
      {chart(
        trans.__('Workers'),
        trans._n(
          '%1 worker, %2 threads',
          '%1 workers, %2 threads',
          latest.workers,
          latest.threads
        ),
        <LineChart data={rows} syncId="jp-HpcDask">
          {grid}
          {xAxis}
          <YAxis allowDecimals={false} {...axis} />
          {tooltip}
          <Line
            type="stepAfter"
            dataKey="workers"
            name={trans.__('Workers')}
            stroke={colors.line}
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      )}
      {chart(
        trans.__('Memory (%1)', unitName),
        trans.__(
          '%1 of %2',
          `${inUnit(latest.memoryBytes, unit)} ${unitName}`,
          `${inUnit(latest.memoryLimitBytes, unit)} ${unitName}`
        ),
        <AreaChart data={rows} syncId="jp-HpcDask">
          {grid}
          {xAxis}
          <YAxis {...axis} />
          {tooltip}
          <Area
            type="monotone"
            dataKey="memory"
            name={trans.__('Used')}
            stroke={colors.line}
            fill={colors.line}
            fillOpacity={0.3}
            isAnimationActive={false}
          />
          <Area
            type="stepAfter"
            dataKey="limit"
            name={trans.__('Limit')}
            stroke={colors.limit}
            fill="none"
            strokeDasharray="4 2"
            isAnimationActive={false}
          />
        </AreaChart>
      )}
      {chart(
        trans.__('Tasks'),
        trans.__('%1 processing, %2 queued', latest.processing, latest.queued),
        <LineChart data={rows} syncId="jp-HpcDask">
          {grid}
          {xAxis}
          <YAxis allowDecimals={false} {...axis} />
          {tooltip}
          <Line
            dataKey="processing"
            name={trans.__('Processing')}
            stroke={colors.line}
            dot={false}
            isAnimationActive={false}
          />
          <Line
            dataKey="queued"
            name={trans.__('Queued')}
            stroke={colors.second}
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      )}
      {chart(
        trans.__('Throughput (tasks/s)'),
        trans.__('%1 tasks/s', latest.tasksPerSecond.toFixed(1)),
        <AreaChart data={rows} syncId="jp-HpcDask">
          {grid}
          {xAxis}
          <YAxis {...axis} />
          {tooltip}
          <Area
            type="monotone"
            dataKey="throughput"
            name={trans.__('Tasks/s')}
            stroke={colors.second}
            fill={colors.second}
            fillOpacity={0.3}
            isAnimationActive={false}
          />
        </AreaChart>
      )}
    </div>
  );
}
