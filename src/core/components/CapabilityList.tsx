import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import type { HandshakeState, ICapabilities } from '../../tokens';

export interface ICapabilityListProps {
  state: HandshakeState;
  trans: TranslationBundle;
}

interface IRow {
  key: keyof Omit<ICapabilities, 'commands' | 'checkedAt'>;
  label: string;
  available: boolean;
  detail: string;
}

function rows(caps: ICapabilities, trans: TranslationBundle): IRow[] {
  const { slurm, gpu, dask, gallery } = caps;
  return [
    {
      key: 'slurm',
      label: trans.__('Slurm'),
      available: slurm.available,
      detail: slurm.available
        ? trans.__(
            'Slurm %1 on %2; accounting %3',
            slurm.version ?? '?',
            slurm.clusters.join(', ') || trans.__('an unnamed cluster'),
            slurm.accounting
              ? trans.__('on')
              : trans.__('off (%1)', slurm.accountingReason ?? '')
          )
        : (slurm.reason ?? '')
    },
    {
      key: 'gpu',
      label: trans.__('GPUs'),
      available: gpu.available,
      detail: gpu.available
        ? trans._n('%1 GPU', '%1 GPUs', gpu.count ?? 0)
        : (gpu.reason ?? '')
    },
    {
      key: 'dask',
      label: trans.__('Dask'),
      available: dask.available,
      detail: dask.available
        ? trans.__('Dask %1 with %2', dask.version ?? '?', dask.python)
        : (dask.reason ?? '')
    },
    {
      key: 'gallery',
      label: trans.__('Example gallery'),
      available: gallery.available,
      detail: gallery.available
        ? trans._n('%1 catalogue', '%1 catalogues', gallery.catalogues)
        : (gallery.reason ?? '')
    }
  ];
}

/** What the server found, one line per feature: available, or why not. */
export function CapabilityList(props: ICapabilityListProps): JSX.Element {
  const { state, trans } = props;
  if (state.kind === 'checking') {
    return <p className="jp-HpcCore-message">{trans.__('Checking…')}</p>;
  }
  if (state.kind === 'missing') {
    return (
      <div className="jp-HpcCore-status">
        <p className="jp-HpcCore-message jp-mod-error" role="alert">
          {trans.__(
            'The jupyterlab-hpc server is not reachable: %1',
            state.message
          )}
        </p>
      </div>
    );
  }
  const { info } = state;
  return (
    <div className="jp-HpcCore-status">
      {state.kind === 'incompatible' && (
        <p className="jp-HpcCore-message jp-mod-error" role="alert">
          {state.message}
        </p>
      )}
      <table className="jp-HpcCore-capabilities">
        <tbody>
          {rows(info.capabilities, trans).map(row => (
            <tr
              key={row.key}
              data-capability={row.key}
              className={
                row.available ? 'jp-mod-available' : 'jp-mod-unavailable'
              }
            >
              <th scope="row">{row.label}</th>
              <td className="jp-HpcCore-state">
                {row.available
                  ? trans.__('available')
                  : trans.__('unavailable')}
              </td>
              <td className="jp-HpcCore-detail">{row.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="jp-HpcCore-footer">
        {trans.__(
          'Server %1 (API %2), checked %3',
          info.version,
          info.apiVersion,
          new Date(info.capabilities.checkedAt).toLocaleTimeString()
        )}
      </p>
    </div>
  );
}
