/**
 * The charts' colours, from the Lab theme's CSS variables, read again when
 * Lab switches theme (light/dark). Shared by the lazy chart chunks of the
 * meter and the Dask panel.
 */
import * as React from 'react';

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
