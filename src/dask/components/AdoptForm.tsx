/**
 * Adopting a cluster started elsewhere (a notebook, a batch job): by its
 * scheduler file, or by its address and dashboard port.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { messageOf } from '../model';
import type { AdoptRequest } from '../types';
import type { IFormActions } from './props';

/** The request of the form's fields, or the reason it can't be sent. */
export function adoptRequest(
  by: 'file' | 'address',
  file: string,
  address: string,
  port: string,
  trans: TranslationBundle,
  name = ''
): AdoptRequest | string {
  const named = name.trim() ? { name: name.trim() } : {};
  if (name.trim().length > 64) {
    return trans.__('A name of at most 64 characters.');
  }
  if (by === 'file') {
    const path = file.trim();
    return path.startsWith('/')
      ? { schedulerFile: path, ...named }
      : trans.__('The scheduler file’s absolute path, starting with /.');
  }
  const addr = address.trim();
  if (!/^(tcp|tls):\/\/[^\s/]+:\d+$/.test(addr)) {
    return trans.__('An address such as tcp://10.0.0.5:8786.');
  }
  const p = port.trim();
  if (!p) {
    return { address: addr, ...named };
  }
  const n = Number(p);
  return /^\d+$/.test(p) && n >= 1 && n <= 65535
    ? { address: addr, dashboardPort: n, ...named }
    : trans.__('The dashboard port: a number from 1 to 65535.');
}

export function AdoptForm(props: {
  forms: IFormActions;
  onDone(): void;
  trans: TranslationBundle;
}): JSX.Element {
  const { forms, trans } = props;
  const id = React.useId();
  const [by, setBy] = React.useState<'file' | 'address'>('file');
  const [file, setFile] = React.useState('');
  const [address, setAddress] = React.useState('');
  const [port, setPort] = React.useState('');
  const [name, setName] = React.useState('');
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);

  const onSubmit = (event: React.FormEvent) => {
    event.preventDefault();
    const request = adoptRequest(by, file, address, port, trans, name);
    if (typeof request === 'string') {
      setError(request);
      return;
    }
    setBusy(true);
    setError(null);
    forms.adopt(request).then(
      () => {
        setBusy(false);
        props.onDone();
      },
      reason => {
        setBusy(false);
        setError(messageOf(reason));
      }
    );
  };

  return (
    <form
      className="jp-HpcDask-form"
      aria-label={trans.__('Adopt a Dask cluster')}
      onSubmit={onSubmit}
      noValidate
    >
      <fieldset className="jp-HpcDask-backend">
        <legend>{trans.__('Find it by')}</legend>
        <label>
          <input
            type="radio"
            name="by"
            checked={by === 'file'}
            onChange={() => setBy('file')}
          />
          {trans.__('Scheduler file')}
        </label>
        <label>
          <input
            type="radio"
            name="by"
            checked={by === 'address'}
            onChange={() => setBy('address')}
          />
          {trans.__('Address')}
        </label>
      </fieldset>
      {by === 'file' ? (
        <div className="jp-HpcDask-field">
          <label htmlFor={`${id}-file`}>{trans.__('Scheduler file')}</label>
          <input
            id={`${id}-file`}
            value={file}
            placeholder={trans.__('/home/me/scheduler.json')}
            onChange={e => setFile(e.target.value)}
          />
        </div>
      ) : (
        <>
          <div className="jp-HpcDask-field">
            <label htmlFor={`${id}-address`}>
              {trans.__('Scheduler address')}
            </label>
            <input
              id={`${id}-address`}
              value={address}
              placeholder={trans.__('tcp://10.0.0.5:8786')}
              onChange={e => setAddress(e.target.value)}
            />
          </div>
          <div className="jp-HpcDask-field">
            <label htmlFor={`${id}-port`}>
              {trans.__('Dashboard port (optional)')}
            </label>
            <input
              id={`${id}-port`}
              type="number"
              min={1}
              max={65535}
              value={port}
              onChange={e => setPort(e.target.value)}
            />
          </div>
        </>
      )}
      <div className="jp-HpcDask-field">
        <label htmlFor={`${id}-name`}>{trans.__('Name (optional)')}</label>
        <input
          id={`${id}-name`}
          value={name}
          onChange={e => setName(e.target.value)}
        />
      </div>
      {error ? (
        <p className="jp-HpcDask-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="jp-HpcDask-formButtons">
        <button type="button" className="jp-mod-styled" onClick={props.onDone}>
          {trans.__('Cancel')}
        </button>
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          disabled={busy}
        >
          {trans.__('Adopt')}
        </button>
      </div>
    </form>
  );
}
