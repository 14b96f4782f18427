/**
 * One output file followed live: its path, "Open in Editor", where the
 * tail stands (not written yet, following, complete) and the end of the
 * text, scrolled to the bottom unless the user scrolled up.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { OutputStream } from './api';
import type { IOpenTarget } from './paths';
import type { ITailState } from './tail';

export interface IOutputViewProps {
  stream: OutputStream;
  /** The tab's name ("Output", "Errors", "Output and errors"). */
  label: string;
  state: ITailState;
  /** How many characters the view keeps (said when the start is cut). */
  keepChars: number;
  /** Whether the job still runs (or waits): the tail keeps looking. */
  live: boolean;
  target: IOpenTarget;
  onOpen: () => void;
  trans: TranslationBundle;
}

/** Within this many pixels of the bottom counts as "at the bottom". */
const STICK_PX = 8;

export function OutputView(props: IOutputViewProps): JSX.Element {
  const { state, trans } = props;
  const pre = React.useRef<HTMLPreElement>(null);
  const [follow, setFollow] = React.useState(true);

  // Keep the newest line in sight while following.
  React.useLayoutEffect(() => {
    const node = pre.current;
    if (node && follow) {
      node.scrollTop = node.scrollHeight;
    }
  }, [state.text, follow]);

  const onScroll = () => {
    const node = pre.current;
    if (node) {
      const atBottom =
        node.scrollTop + node.clientHeight >= node.scrollHeight - STICK_PX;
      if (atBottom !== follow) {
        setFollow(atBottom);
      }
    }
  };

  return (
    <div className="jp-HpcSlurmDetails-stream" data-stream={props.stream}>
      <div className="jp-HpcSlurmDetails-streamHeader">
        <code className="jp-HpcSlurmDetails-streamPath">
          {state.path ?? ''}
        </code>
        <button
          className="jp-mod-styled jp-HpcSlurmDetails-button"
          disabled={props.target.path === null}
          title={props.target.reason ?? state.path ?? ''}
          onClick={props.onOpen}
        >
          {trans.__('Open in Editor')}
        </button>
        {!follow && (
          <button
            className="jp-mod-styled jp-HpcSlurmDetails-button"
            onClick={() => setFollow(true)}
          >
            {trans.__('Scroll to the end')}
          </button>
        )}
      </div>
      <p className="jp-HpcSlurmDetails-streamStatus" role="status">
        {statusText(props)}
      </p>
      {state.truncated && (
        <p className="jp-HpcSlurmDetails-streamNote">
          {trans.__(
            'Showing the last %1 KB only; Open in Editor for the whole file.',
            Math.round(props.keepChars / 1024)
          )}
        </p>
      )}
      <pre
        ref={pre}
        className="jp-HpcSlurmDetails-text"
        onScroll={onScroll}
        tabIndex={0}
        aria-label={props.label}
      >
        {state.text}
      </pre>
    </div>
  );
}

function statusText(props: IOutputViewProps): string {
  const { state, trans } = props;
  if (state.missing) {
    return state.done
      ? trans.__('No output: %1', state.missing)
      : trans.__('Not written yet: %1', state.missing);
  }
  if (state.error) {
    return trans.__('Could not read the output: %1', state.error);
  }
  if (state.done) {
    return trans.__('Complete: the job has ended.');
  }
  if (!props.live) {
    return trans.__('Reading the rest of the file…');
  }
  return state.opened
    ? trans.__('Following: new lines appear every few seconds.')
    : trans.__('Loading…');
}
