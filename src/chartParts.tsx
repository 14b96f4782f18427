/**
 * The charts' colours, from the Lab theme's CSS variables, read again when
 * Lab switches theme (light/dark), and the parts every time chart shares.
 * Used by the lazy chart chunks of the meter and the Dask panel only.
 */
import * as React from 'react';
import { Tooltip, XAxis } from 'recharts';

export interface IChartColors {
  line: string;
  second: string;
  limit: string;
  warn: string;
  grid: string;
  text: string;
  background: string;
}

function readColors(): IChartColors {
  const style = getComputedStyle(document.body);
  const v = (name: string) => style.getPropertyValue(name).trim();
  return {
    line: v('--jp-brand-color1'),
    second: v('--jp-accent-color1'),
    limit: v('--jp-error-color1'),
    warn: v('--jp-warn-color1'),
    grid: v('--jp-border-color2'),
    text: v('--jp-ui-font-color2'),
    background: v('--jp-layout-color1')
  };
}

/** The theme's colours, updated when Lab switches theme. */
export function useThemeColors(): IChartColors {
  const [colors, setColors] = React.useState(readColors);
  React.useEffect(() => {
    const observer = new MutationObserver(() => setColors(readColors()));
    observer.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-name', 'data-jp-theme-light']
    });
    return () => observer.disconnect();
  }, []);
  return colors;
}

/** Seconds-resolution wall-clock time of an epoch-milliseconds value. */
export const clock = (t: number): string => new Date(t).toLocaleTimeString();

/**
 * The parts every time-series chart shares, in the theme's colours: the
 * axis style, a tooltip labelled with the time, and the time axis (`t`).
 */
export function timeChartParts(colors: IChartColors): {
  axis: { stroke: string; tick: { fill: string; fontSize: number } };
  tooltip: React.ReactElement;
  xAxis: React.ReactElement;
} {
  const axis = {
    stroke: colors.text,
    tick: { fill: colors.text, fontSize: 11 }
  };
  return {
    axis,
    tooltip: (
      <Tooltip
        labelFormatter={label => clock(Number(label))}
        contentStyle={{
          background: colors.background,
          borderColor: colors.grid,
          color: colors.text
        }}
      />
    ),
    xAxis: (
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={['dataMin', 'dataMax']}
        tickFormatter={clock}
        {...axis}
      />
    )
  };
}
