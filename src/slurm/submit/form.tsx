/**
 * The submit form: profile and partition (with what `sinfo` says of each),
 * the sbatch options, and a read-only preview of exactly what will be
 * submitted, asked of the server (`POST slurm/jobs/preview`) as the user
 * types. Submitting is the caller's (`onSubmit`); the form shows progress,
 * refuses a second click while one runs, and keeps a refusal in view with
 * what to do.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { IPartition, IPreview, IProfile, SubmitClient } from './api';
import type { ISubmitRequest } from './api';
import {
  advice,
  buildRequest,
  commandLine,
  FieldName,
  IFormValues,
  partitionSummary,
  profileDefault
} from './options';
import { TextField, useLoaded } from './fields';
import type { SubmitOutcome } from './submit';

/** Where the script comes from: an editor, a file, or the form itself. */
export interface IScriptSource {
  /** What is submitted ("run.sh", "New script"). */
  label: string;
  /** The job's folder, relative to the Jupyter root ('' = the root). */
  cwd: string;
  /** True when the form edits the script (no file behind it). */
  editable: boolean;
  /** The text now (an editor's includes unsaved changes). */
  read(): Promise<string>;
  /** Calls back when the text may have changed; returns the unsubscribe. */
  watch?(changed: () => void): () => void;
}

export interface ISubmitFormProps {
  client: SubmitClient;
  source: IScriptSource;
  initial: IFormValues;
  trans: TranslationBundle;
  /** Submits (and notifies); the form closes itself on success. */
  onSubmit: (request: ISubmitRequest) => Promise<SubmitOutcome>;
  onDone?: () => void;
  /** Quiet time before the preview is asked again (ms). */
  previewDelayMs?: number;
}

type PreviewState =
  | { kind: 'idle' }
  | { kind: 'ok'; preview: IPreview }
  | { kind: 'error'; message: string; advice: string };

export function SubmitForm(props: ISubmitFormProps): JSX.Element {
  const { client, source, trans } = props;
  const uid = React.useId();
  const profiles = useLoaded(() => client.profiles());
  const partitions = useLoaded(() => client.partitions());
  const [values, setValues] = React.useState(props.initial);
  const [script, setScript] = React.useState<string | null>(null);
  const [preview, setPreview] = React.useState<PreviewState>({ kind: 'idle' });
  const [busy, setBusy] = React.useState(false);
  const [failure, setFailure] = React.useState<{
    message: string;
    advice: string;
  } | null>(null);

  // The script: read now, and again whenever its editor changes.
  React.useEffect(() => {
    let live = true;
    const read = () =>
      void source.read().then(
        text => live && setScript(text),
        error =>
          live &&
          setFailure({ message: String(error.message ?? error), advice: '' })
      );
    read();
    const unwatch = source.watch?.(read);
    return () => {
      live = false;
      unwatch?.();
    };
  }, [source]);

  const { request, errors } = buildRequest(
    values,
    script ?? '',
    source.cwd,
    trans
  );
  const invalid = Object.keys(errors).length > 0;
  const key = JSON.stringify(request);

  // The preview, asked again once the user pauses; stale answers dropped.
  React.useEffect(() => {
    if (script === null || invalid) {
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      client.preview(request).then(
        answer => live && setPreview({ kind: 'ok', preview: answer }),
        error =>
          live &&
          setPreview({
            kind: 'error',
            message: error.message,
            advice: advice(error, trans)
          })
      );
    }, props.previewDelayMs ?? 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, invalid]);

  const set = (field: FieldName) => (value: string) => {
    setValues(old => ({ ...old, [field]: value }));
    setFailure(null);
  };
  const profile =
    profiles.kind === 'ok'
      ? profiles.value.find(p => p.name === values.profile)
      : undefined;

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (busy || invalid || script === null) {
      return;
    }
    setBusy(true);
    setFailure(null);
    const outcome = await props.onSubmit(request);
    if (outcome.ok) {
      props.onDone?.();
      return;
    }
    setBusy(false);
    if ('error' in outcome) {
      const error = outcome.error as Error;
      setFailure({ message: error.message, advice: advice(error, trans) });
    }
  };

  const field = (
    name: FieldName,
    label: string,
    hint: string,
    type = 'text'
  ) => (
    <TextField
      name={name}
      label={label}
      hint={hint}
      type={type}
      value={values[name]}
      placeholder={profileDefault(profile, name)}
      error={errors[name]}
      onChange={set(name)}
    />
  );

  return (
    <form className="jp-HpcSubmit-form" onSubmit={submit} aria-busy={busy}>
      <h2 className="jp-HpcSubmit-title">
        {trans.__('Submit %1 to Slurm', source.label)}
      </h2>
      <p className="jp-HpcSubmit-where">
        {source.cwd
          ? trans.__('The job runs in %1 (in your Jupyter root).', source.cwd)
          : trans.__('The job runs in your Jupyter root folder.')}
      </p>
      <div className="jp-HpcSubmit-fields">
        <div className="jp-HpcSubmit-field">
          <label htmlFor={`${uid}-profile`}>{trans.__('Profile')}</label>
          <select
            id={`${uid}-profile`}
            value={values.profile}
            disabled={profiles.kind !== 'ok'}
            onChange={e => set('profile')(e.target.value)}
          >
            <option value="">{trans.__('No profile')}</option>
            {profiles.kind === 'ok' &&
              profiles.value.map((p: IProfile) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
          </select>
          <small className="jp-HpcSubmit-hint">
            {profile?.description ??
              (profiles.kind === 'error'
                ? trans.__('Profiles unavailable: %1', profiles.message)
                : trans.__('Site presets: options, directives and modules.'))}
          </small>
        </div>
        <div className="jp-HpcSubmit-field">
          <label htmlFor={`${uid}-partition`}>{trans.__('Partition')}</label>
          {partitions.kind === 'ok' ? (
            <select
              id={`${uid}-partition`}
              value={values.partition}
              onChange={e => set('partition')(e.target.value)}
            >
              <option value="">
                {profileDefault(profile, 'partition')
                  ? trans.__(
                      "The profile's (%1)",
                      profileDefault(profile, 'partition')
                    )
                  : trans.__("Slurm's default")}
              </option>
              {partitions.value.map((p: IPartition) => (
                <option key={p.name} value={p.name}>
                  {partitionSummary(p, trans)}
                </option>
              ))}
            </select>
          ) : (
            <input
              id={`${uid}-partition`}
              value={values.partition}
              aria-invalid={!!errors.partition}
              onChange={e => set('partition')(e.target.value)}
            />
          )}
          <small className="jp-HpcSubmit-hint">
            {errors.partition ??
              (partitions.kind === 'error'
                ? trans.__('Partitions unavailable: %1', partitions.message)
                : trans.__('Idle CPUs, GPUs and time limit from sinfo.'))}
          </small>
        </div>
        {field('name', trans.__('Job name'), trans.__('Shown in the queue.'))}
        {field(
          'account',
          trans.__('Account'),
          trans.__('Charged for the job.')
        )}
        {field('qos', trans.__('QOS'), trans.__('Quality of service.'))}
        {field(
          'time',
          trans.__('Time limit'),
          trans.__('e.g. 00:30:00 or 1-00:00:00')
        )}
        {field('nodes', trans.__('Nodes'), '', 'number')}
        {field('cpus', trans.__('CPUs per task'), '', 'number')}
        {field('mem', trans.__('Memory per node'), trans.__('e.g. 500M, 8G'))}
        {field('gpus', trans.__('GPUs'), '', 'number')}
      </div>
      {source.editable && (
        <div className="jp-HpcSubmit-field jp-HpcSubmit-scriptField">
          <label htmlFor={`${uid}-script`}>{trans.__('Script')}</label>
          <textarea
            id={`${uid}-script`}
            className="jp-HpcSubmit-scriptInput"
            value={script ?? ''}
            spellCheck={false}
            rows={10}
            onChange={e => {
              setScript(e.target.value);
              setFailure(null);
            }}
          />
        </div>
      )}
      <section
        className="jp-HpcSubmit-preview"
        aria-label={trans.__('Preview')}
      >
        <h3>{trans.__('What will be submitted')}</h3>
        {invalid ? (
          <p className="jp-HpcSubmit-hint">
            {trans.__('Correct the fields marked above.')}
          </p>
        ) : preview.kind === 'ok' ? (
          <>
            <pre
              className="jp-HpcSubmit-command"
              aria-label={trans.__('Command')}
            >
              {commandLine(preview.preview.argv)}
            </pre>
            <pre
              className="jp-HpcSubmit-script"
              aria-label={trans.__('Final script')}
            >
              {preview.preview.script}
            </pre>
          </>
        ) : preview.kind === 'error' ? (
          <div className="jp-HpcSubmit-error jp-mod-preview">
            <p>{preview.message}</p>
            {preview.advice && <p>{preview.advice}</p>}
          </div>
        ) : (
          <p className="jp-HpcSubmit-hint">
            {trans.__('Preparing the preview…')}
          </p>
        )}
      </section>
      {failure && (
        <div className="jp-HpcSubmit-error" role="alert">
          <p>
            <strong>{failure.message}</strong>
          </p>
          {failure.advice && <p>{failure.advice}</p>}
        </div>
      )}
      <div className="jp-HpcSubmit-actions">
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={busy || invalid || script === null}
        >
          {busy ? trans.__('Submitting…') : trans.__('Submit')}
        </button>
        {busy && (
          <span
            className="jp-HpcSubmit-spinner"
            role="progressbar"
            aria-label={trans.__('Submitting')}
          />
        )}
      </div>
    </form>
  );
}
