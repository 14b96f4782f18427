/**
 * One ticking clock for every view that shows a time relative to now
 * (elapsed times, "updated 12 s ago"): only those views re-render each second.
 */
import * as React from 'react';

/** The current time (ms), updated every second inside a `ClockProvider`. */
export const ClockContext = React.createContext<number>(Date.now());

export interface IClockProviderProps {
  /** Milliseconds between ticks (default 1000). */
  interval?: number;
  children?: React.ReactNode;
}

/** Ticks while mounted; stops when unmounted. */
export function ClockProvider(props: IClockProviderProps): JSX.Element {
  const { interval = 1000, children } = props;
  const [now, setNow] = React.useState(() => Date.now());
  React.useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), interval);
    return () => clearInterval(timer);
  }, [interval]);
  return <ClockContext.Provider value={now}>{children}</ClockContext.Provider>;
}

/** The current time, from the nearest `ClockProvider`. */
export function useNow(): number {
  return React.useContext(ClockContext);
}
