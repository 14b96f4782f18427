/**
 * The "new cluster" form, inline at the top of the sidebar: backend, size,
 * Slurm's walltime / partition / account, optional adapt bounds, name; for
 * Slurm the generated job scripts can be previewed before starting. The
 * server's refusal is shown next to the form (and next to the field it is
 * about).
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { DaskClient, IPartitionName } from '../api';
import { messageOf } from '../model';
import { HpcRequestError } from '../../request';
import type { IClusterPreview } from '../types';
import type { IDaskDefaults, IFormActions } from './props';
import {
  CreateErrors,
  fieldOfCode,
  ICreateValues,
  initialValues,
  toRequest,
  validate
} from './validate';

type Field = Exclude<keyof ICreateValues, 'backend' | 'adapt'>;

export function CreateForm(props: {
  defaults: IDaskDefaults;
  slurm: boolean;
  client: DaskClient;
  forms: IFormActions;
  onDone(): void;
  trans: TranslationBundle;
}): JSX.Element {
  const { defaults, slurm, client, forms, trans } = props;
  const id = React.useId();
  const [values, setValues] = React.useState(() =>
    initialValues(defaults, slurm)
  );
  const [touched, setTouched] = React.useState(false);
  const [busy, setBusy] = React.useState(false);
  const [serverError, setServerError] = React.useState<{
    message: string;
    field: keyof ICreateValues | null;
  } | null>(null);
  const [preview, setPreview] = React.useState<
    | { kind: 'none' }
    | { kind: 'loading' }
    | { kind: 'ok'; value: IClusterPreview; stale: boolean }
  >({ kind: 'none' });
  const [partitions, setPartitions] = React.useState<IPartitionName[] | null>(
    null
  );

  const isSlurm = values.backend === 'slurm';
  React.useEffect(() => {
    if (!isSlurm || partitions !== null) {
      return;
    }
    let live = true;
    client.partitions().then(
      list => live && setPartitions(list),
      () => live && setPartitions([])
    );
    return () => {
      live = false;
    };
  }, [isSlurm]);

  const errors: CreateErrors = touched ? validate(values, trans) : {};
  if (serverError?.field && !errors[serverError.field]) {
    errors[serverError.field] = serverError.message;
  }

  const set = (patch: Partial<ICreateValues>) => {
    setValues(v => ({ ...v, ...patch }));
    setServerError(null);
    setPreview(p => (p.kind === 'ok' ? { ...p, stale: true } : p));
  };

  /** The request, or null (errors shown) when a field is wrong. */
  const checked = () => {
    setTouched(true);
    return Object.keys(validate(values, trans)).length
      ? null
      : toRequest(values);
  };

  const fail = (error: unknown) => {
    const code = error instanceof HpcRequestError ? error.code : '';
    setServerError({ message: messageOf(error), field: fieldOfCode(code) });
  };

  const onPreview = () => {
    const request = checked();
    if (!request) {
      return;
    }
    setPreview({ kind: 'loading' });
    client.preview(request).then(
      value => setPreview({ kind: 'ok', value, stale: false }),
      error => {
        setPreview({ kind: 'none' });
        fail(error);
      }
    );
  };

  const onSubmit = (event: React.FormEvent) => {
    event.preventDefault();
    const request = checked();
    if (!request || busy) {
      return;
    }
    setBusy(true);
    forms.create(request).then(
      () => {
        setBusy(false);
        props.onDone();
      },
      error => {
        setBusy(false);
        fail(error);
      }
    );
  };

  const field = (
    name: Field,
    label: string,
    hint: string,
    type = 'text',
    placeholder = ''
  ) => (
    <div className="jp-HpcDask-field">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        name={name}
        type={type}
        min={type === 'number' ? 0 : undefined}
        value={values[name]}
        placeholder={placeholder}
        aria-invalid={!!errors[name]}
        aria-describedby={`${id}-${name}-hint`}
        onChange={e => set({ [name]: e.target.value })}
      />
      <small
        id={`${id}-${name}-hint`}
        className={errors[name] ? 'jp-HpcDask-error' : 'jp-HpcDask-hint'}
      >
        {errors[name] ?? hint}
      </small>
    </div>
  );

  return (
    <form
      className="jp-HpcDask-form"
      aria-label={trans.__('New Dask cluster')}
      onSubmit={onSubmit}
      noValidate
    >
      <fieldset className="jp-HpcDask-backend">
        <legend>{trans.__('Run on')}</legend>
        <label>
          <input
            type="radio"
            name="backend"
            value="local"
            checked={!isSlurm}
            onChange={() => set({ backend: 'local' })}
          />
          {trans.__('This machine')}
        </label>
        {slurm ? (
          <label>
            <input
              type="radio"
              name="backend"
              value="slurm"
              checked={isSlurm}
              onChange={() => set({ backend: 'slurm' })}
            />
            {trans.__('Slurm jobs')}
          </label>
        ) : null}
      </fieldset>
      {field(
        'name',
        trans.__('Name'),
        trans.__('Optional; the server picks one otherwise.')
      )}
      {field(
        'workers',
        trans.__('Workers'),
        trans.__('Started at once (0 with adapt).'),
        'number'
      )}
      {field('threadsPerWorker', trans.__('Threads per worker'), '', 'number')}
      {field(
        'memoryPerWorker',
        trans.__('Memory per worker'),
        trans.__('e.g. 4GiB, 512MiB (Slurm’s G means GiB).')
      )}
      {isSlurm ? (
        <>
          {field(
            'walltime',
            trans.__('Walltime'),
            trans.__('Per job, e.g. 01:00:00 or 1-00:00:00.')
          )}
          <div className="jp-HpcDask-field">
            <label htmlFor={`${id}-partition`}>{trans.__('Partition')}</label>
            {partitions && partitions.length ? (
              <select
                id={`${id}-partition`}
                name="partition"
                value={values.partition}
                onChange={e => set({ partition: e.target.value })}
              >
                <option value="">{trans.__('(the default)')}</option>
                {partitions.map(p => (
                  <option key={p.name} value={p.name} disabled={!p.available}>
                    {p.isDefault ? trans.__('%1 (default)', p.name) : p.name}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={`${id}-partition`}
                name="partition"
                value={values.partition}
                placeholder={trans.__('(the default)')}
                onChange={e => set({ partition: e.target.value })}
              />
            )}
          </div>
          {field(
            'account',
            trans.__('Account'),
            trans.__('Optional; your default account otherwise.')
          )}
        </>
      ) : null}
      <div className="jp-HpcDask-field">
        <label>
          <input
            type="checkbox"
            checked={values.adapt}
            onChange={e => set({ adapt: e.target.checked })}
          />
          {trans.__('Adapt to the load')}
        </label>
      </div>
      {values.adapt ? (
        <div className="jp-HpcDask-row">
          {field('minimum', trans.__('Minimum workers'), '', 'number')}
          {field('maximum', trans.__('Maximum workers'), '', 'number')}
        </div>
      ) : null}
      {serverError && !serverError.field ? (
        <p className="jp-HpcDask-error" role="alert">
          {serverError.message}
        </p>
      ) : null}
      <div className="jp-HpcDask-formButtons">
        <button
          type="button"
          className="jp-mod-styled"
          onClick={onPreview}
          disabled={preview.kind === 'loading'}
        >
          {isSlurm
            ? trans.__('Preview job scripts')
            : trans.__('Preview commands')}
        </button>
        <button type="button" className="jp-mod-styled" onClick={props.onDone}>
          {trans.__('Cancel')}
        </button>
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={busy}
        >
          {busy ? trans.__('Starting…') : trans.__('Start')}
        </button>
      </div>
      {preview.kind === 'loading' ? (
        <p className="jp-HpcDask-hint">{trans.__('Generating…')}</p>
      ) : null}
      {preview.kind === 'ok' ? (
        <PreviewView
          preview={preview.value}
          stale={preview.stale}
          trans={trans}
        />
      ) : null}
    </form>
  );
}

/** The scheduler's and a worker's job script (or command), read-only. */
export function PreviewView(props: {
  preview: IClusterPreview;
  stale: boolean;
  trans: TranslationBundle;
}): JSX.Element {
  const { preview, stale, trans } = props;
  const text = (part: { argv: string[]; script?: string }) =>
    part.script ?? part.argv.join(' ');
  return (
    <section
      className="jp-HpcDask-preview"
      aria-label={trans.__('What will run')}
    >
      {stale ? (
        <p className="jp-HpcDask-hint">
          {trans.__(
            'The form changed since: preview again to see what will run.'
          )}
        </p>
      ) : null}
      <h4>{trans.__('Scheduler')}</h4>
      <pre aria-label={trans.__('Scheduler')}>{text(preview.scheduler)}</pre>
      <h4>{trans.__('Each worker')}</h4>
      <pre aria-label={trans.__('Each worker')}>{text(preview.worker)}</pre>
    </section>
  );
}
