import { act, fireEvent, render, screen, within } from '@testing-library/react';
import * as React from 'react';
import { versionInfo } from '../../__tests__/fakeServer';
import type { IVersionInfo } from '../../tokens';
import { ClusterCard } from '../components/ClusterCard';
import { DaskPanel } from '../components/DaskPanel';
import {
  DEFAULT_DEFAULTS,
  IClusterActions,
  IPanelProps
} from '../components/props';
import { daskUnavailable } from '../widget';
import type { ICluster } from '../types';
import { cluster, fakeClient, trans } from './fixtures';

function actions(overrides: Partial<IClusterActions> = {}): IClusterActions {
  return {
    select: jest.fn(),
    scale: jest.fn(async () => undefined),
    adapt: jest.fn(async () => undefined),
    shutdown: jest.fn(),
    inject: jest.fn(),
    copy: jest.fn(),
    charts: jest.fn(),
    plot: jest.fn(),
    ...overrides
  };
}

function card(c: ICluster, a: IClusterActions = actions()) {
  return render(
    <ul>
      <ClusterCard
        cluster={c}
        selected={false}
        now={Date.parse(c.createdAt) + 3_725_000}
        style="schedulerFile"
        actions={a}
        trans={trans}
      />
    </ul>
  );
}

describe('ClusterCard', () => {
  it('shows a starting cluster with a spinner and no way to connect yet', () => {
    const { container } = card(
      cluster({
        status: 'starting',
        schedulerAddress: null,
        schedulerFile: null,
        workers: { requested: 2, connected: 0 }
      })
    );
    expect(screen.getByRole('status').textContent).toBe('starting…');
    expect(container.querySelector('.jp-HpcDask-spinner')).not.toBeNull();
    expect(screen.getByText('0 / 2')).toBeTruthy();
    expect(
      (
        screen.getByRole('button', {
          name: 'Insert client code'
        }) as HTMLButtonElement
      ).disabled
    ).toBe(true);
    expect(screen.queryByRole('button', { name: 'Scale' })).toBeNull();
  });

  it('shows a running cluster: backend, workers, threads, memory bar, age', () => {
    const { container } = card(cluster());
    expect(screen.getByRole('status').textContent).toBe('running');
    expect(container.querySelector('.jp-HpcDask-spinner')).toBeNull();
    expect(screen.getByText('Local')).toBeTruthy();
    expect(screen.getByText('2 / 2')).toBeTruthy();
    expect(screen.getByText('4')).toBeTruthy();
    const meter = screen.getByRole('meter', { name: 'Memory used' });
    expect(meter.getAttribute('aria-valuetext')).toBe('1.0 GB of 4.0 GB');
    expect((meter.firstChild as HTMLElement).style.width).toBe('25.0%');
    expect(screen.getByText('1h 2m')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Shut down' })).toBeTruthy();
  });

  it("shows a failed cluster's reason and its log, folded", () => {
    card(
      cluster({
        status: 'failed',
        error: {
          code: 'SCHEDULER_FAILED',
          message: 'The scheduler exited with code 1: see its log below.',
          log: [
            'Traceback (most recent call last):',
            'ModuleNotFoundError: No module named distributed'
          ]
        }
      })
    );
    expect(screen.getByRole('alert').textContent).toBe(
      'The scheduler exited with code 1: see its log below.'
    );
    // A failed cluster is removed (DELETE), not shut down.
    expect(screen.getByRole('button', { name: 'Remove' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Scale' })).toBeNull();
    const summary = screen.getByText('The last 2 log lines');
    const details = summary.closest('details') as HTMLDetailsElement;
    expect(details.open).toBe(false);
    expect(details.querySelector('pre')?.textContent).toBe(
      'Traceback (most recent call last):\nModuleNotFoundError: No module named distributed'
    );
  });

  it("shows each Slurm job, a pending one with Slurm's reason in words", () => {
    card(
      cluster({
        backend: 'slurm',
        workers: { requested: 2, connected: 1 },
        jobs: [
          { jobId: '101', role: 'scheduler', state: 'RUNNING' },
          {
            jobId: '102',
            role: 'worker',
            state: 'RUNNING',
            workerName: 'a1b2-102'
          },
          {
            jobId: '103',
            role: 'worker',
            state: 'PENDING',
            reason: 'Resources'
          }
        ]
      })
    );
    expect(screen.getByText('Slurm')).toBeTruthy();
    const table = screen.getByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map(r => r.textContent)).toEqual([
      '101schedulerRUNNING',
      '102workerRUNNINGa1b2-102',
      '103workerPENDINGNext in line, waiting for enough nodes, CPUs, memory or GPUs to become free.'
    ]);
  });

  it('scales and adapts with the numbers typed, and shows a refusal beside them', async () => {
    const a = actions({
      scale: jest.fn(async () => {
        throw new Error('Scaling to 500 workers is above the maximum of 100.');
      })
    });
    card(cluster(), a);
    fireEvent.change(screen.getByLabelText('Workers'), {
      target: { value: '500' }
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Scale' }));
    });
    expect(a.scale).toHaveBeenCalledWith('a1b2c3d4e5f6', 500);
    expect(
      screen.getByText('Scaling to 500 workers is above the maximum of 100.')
    ).toBeTruthy();

    fireEvent.click(screen.getByLabelText('Adapt'));
    fireEvent.change(screen.getByLabelText('min'), { target: { value: '1' } });
    fireEvent.change(screen.getByLabelText('max'), { target: { value: '6' } });
    await act(async () => {
      fireEvent.keyDown(screen.getByLabelText('max'), { key: 'Enter' });
    });
    expect(a.adapt).toHaveBeenCalledWith('a1b2c3d4e5f6', {
      minimum: 1,
      maximum: 6
    });
  });

  it('turns adaptivity off with adapt null', async () => {
    const a = actions();
    card(cluster({ adapt: { minimum: 0, maximum: 4 } }), a);
    expect(screen.getByText('(adaptive 0–4)', { exact: false })).toBeTruthy();
    fireEvent.click(screen.getByLabelText('Adapt'));
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Stop adapting' }));
    });
    expect(a.adapt).toHaveBeenCalledWith('a1b2c3d4e5f6', null);
  });

  it('offers "Forget" for an external cluster, and its buttons run the actions', () => {
    const a = actions();
    card(
      cluster({
        backend: 'external',
        plots: { 'Individual Task Stream': 'individual-task-stream' }
      }),
      a
    );
    expect(screen.queryByRole('button', { name: 'Scale' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Forget' }));
    fireEvent.click(screen.getByRole('button', { name: 'Insert client code' }));
    fireEvent.click(screen.getByRole('button', { name: 'Copy code' }));
    fireEvent.click(screen.getByRole('button', { name: 'Task Stream' }));
    expect(a.shutdown).toHaveBeenCalledWith('a1b2c3d4e5f6');
    expect(a.inject).toHaveBeenCalledWith('a1b2c3d4e5f6');
    expect(a.copy).toHaveBeenCalledWith('a1b2c3d4e5f6');
    expect(a.plot).toHaveBeenCalledWith(
      'a1b2c3d4e5f6',
      'Individual Task Stream',
      'individual-task-stream'
    );
  });
});

describe('DaskPanel', () => {
  function panelProps(overrides: Partial<IPanelProps> = {}): IPanelProps {
    return {
      unavailable: null,
      clusters: [cluster()],
      loaded: true,
      error: null,
      failures: 0,
      selected: null,
      slurm: true,
      defaults: DEFAULT_DEFAULTS,
      style: 'schedulerFile',
      form: 'none',
      onFormChange: jest.fn(),
      onRefresh: jest.fn(),
      client: fakeClient(() => new Response('{}')).client,
      actions: actions(),
      forms: { create: jest.fn(), adopt: jest.fn() },
      trans,
      ...overrides
    };
  }

  it('says why Dask is unavailable, from the handshake', () => {
    const info = versionInfo() as unknown as IVersionInfo;
    info.capabilities.dask = {
      available: false,
      python: '/usr/bin/python3',
      reason: '/usr/bin/python3 cannot import distributed'
    };
    const reason = daskUnavailable({ kind: 'ok', info }, trans);
    expect(reason).toBe(
      'Dask is not available here: /usr/bin/python3 cannot import distributed'
    );
    render(<DaskPanel {...panelProps({ unavailable: reason })} />);
    expect(screen.getByRole('status').textContent).toBe(reason);
    expect(screen.queryByRole('button', { name: 'New' })).toBeNull();
  });

  it('shows a failed refresh in words, above the last list', () => {
    render(
      <DaskPanel
        {...panelProps({
          error: 'The server could not be reached: offline',
          failures: 3
        })}
      />
    );
    expect(screen.getByRole('alert').textContent).toBe(
      'The clusters could not be listed (3 tries, retrying less often): The server could not be reached: offline'
    );
    expect(screen.getByText('analysis')).toBeTruthy();
  });

  it('says how to start when there is no cluster', () => {
    render(<DaskPanel {...panelProps({ clusters: [] })} />);
    expect(screen.getByText(/No Dask cluster yet/)).toBeTruthy();
  });
});
