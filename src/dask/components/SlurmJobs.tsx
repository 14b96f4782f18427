/**
 * A Slurm cluster's jobs: the scheduler job and the worker jobs, each with
 * its state, why it waits (in words) and the worker it runs.
 */
import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';
import { describeReason } from '../../slurm/reasons';
import type { IClusterJob } from '../types';

export function SlurmJobs(props: {
  jobs: readonly IClusterJob[];
  trans: TranslationBundle;
}): JSX.Element | null {
  const { jobs, trans } = props;
  if (!jobs.length) {
    return null;
  }
  return (
    <table className="jp-HpcDask-jobs">
      <caption>{trans.__('Slurm jobs')}</caption>
      <thead>
        <tr>
          <th scope="col">{trans.__('Job')}</th>
          <th scope="col">{trans.__('Role')}</th>
          <th scope="col">{trans.__('State')}</th>
          <th scope="col">{trans.__('Worker / reason')}</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map(job => {
          const pending = job.state === 'PENDING';
          const words = pending ? describeReason(job.reason, trans) : null;
          return (
            <tr
              key={job.jobId}
              className={`jp-HpcDask-job jp-mod-${job.state.toLowerCase()}`}
            >
              <td>{job.jobId}</td>
              <td>
                {job.role === 'scheduler'
                  ? trans.__('scheduler')
                  : trans.__('worker')}
              </td>
              <td className="jp-HpcDask-jobState">{job.state}</td>
              <td>
                {pending ? (
                  <span title={job.reason}>
                    {words ?? job.reason ?? trans.__('waiting')}
                  </span>
                ) : job.workerName ? (
                  <code>{job.workerName}</code>
                ) : job.state === 'RUNNING' && job.role === 'worker' ? (
                  trans.__('running, not connected yet')
                ) : (
                  ''
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
