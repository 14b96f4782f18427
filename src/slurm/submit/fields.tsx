/**
 * Small parts of the submit form: a labelled text field with its hint or
 * error, and a hook that loads a list once (profiles, partitions).
 */
import * as React from 'react';

/** A list being loaded, loaded, or not loadable (with why). */
export type Loaded<T> =
  | { kind: 'loading' }
  | { kind: 'ok'; value: T }
  | { kind: 'error'; message: string };

/** Loads once, on mount; an unmounted form ignores the answer. */
export function useLoaded<T>(load: () => Promise<T>): Loaded<T> {
  const [state, setState] = React.useState<Loaded<T>>({ kind: 'loading' });
  React.useEffect(() => {
    let live = true;
    load().then(
      value => live && setState({ kind: 'ok', value }),
      error =>
        live &&
        setState({ kind: 'error', message: String(error.message ?? error) })
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

export interface ITextFieldProps {
  name: string;
  label: string;
  hint: string;
  type: string;
  value: string;
  placeholder: string;
  error?: string;
  onChange: (value: string) => void;
}

/** A text input with its label, and its hint or (when wrong) its error. */
export function TextField(props: ITextFieldProps): JSX.Element {
  const id = React.useId();
  return (
    <div className="jp-HpcSubmit-field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type={props.type}
        name={props.name}
        value={props.value}
        placeholder={props.placeholder}
        min={props.type === 'number' ? 0 : undefined}
        aria-invalid={!!props.error}
        aria-describedby={`${id}-hint`}
        onChange={e => props.onChange(e.target.value)}
      />
      <small
        id={`${id}-hint`}
        className={props.error ? 'jp-HpcSubmit-error' : 'jp-HpcSubmit-hint'}
      >
        {props.error ?? props.hint}
      </small>
    </div>
  );
}
