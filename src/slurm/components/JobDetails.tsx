/**
 * One job in full: the pending reason in words, then every field of
 * `scontrol show job` as a two-column table.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { describeReason } from '../reasons';
import type { IJob, IJobDetail } from '../types';

export interface IJobDetailsProps {
  /** The row the user opened (shown while the details load). */
  job: IJob;
  /** The details, once loaded. */
  detail: IJobDetail | null;
  /** Why the details could not be loaded. */
  error: string | null;
  trans: TranslationBundle;
}

export function JobDetails(props: IJobDetailsProps): JSX.Element {
  const { job, detail, error, trans } = props;
  const reason = detail ? detail.reason : job.reason;
  const words = describeReason(reason, trans);
  return (
    <div className="jp-HpcSlurm-details">
      {words && (
        <p className="jp-HpcSlurm-reasonText">
          {trans.__('%1: %2', reason ?? '', words)}
        </p>
      )}
      {error && (
        <p className="jp-HpcSlurm-detailsError" role="alert">
          {error}
        </p>
      )}
      {!detail && !error && <p>{trans.__('Loading…')}</p>}
      {detail && (
        <table className="jp-HpcSlurm-fields">
          <tbody>
            {Object.entries(detail.fields).map(([key, value]) => (
              <tr key={key}>
                <th scope="row">{key}</th>
                <td>{value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
