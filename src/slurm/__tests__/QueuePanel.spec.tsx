import { nullTranslator } from '@jupyterlab/translation';
import { act, fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';
import { versionInfo } from '../../__tests__/fakeServer';
import { IVersionInfo } from '../../tokens';
import { IQueuePanelProps, QueuePanel } from '../components/QueuePanel';
import type { IQueueStatus } from '../model';
import { slurmUnavailable } from '../widget';
import { job, pending } from './fixtures';

const trans = nullTranslator.load('jupyterlab_hpc');

const fresh: IQueueStatus = {
  loading: false,
  stale: false,
  error: null,
  fetchedAt: '2026-11-23T15:00:00.000Z',
  asOf: Date.now()
};

function props(overrides: Partial<IQueuePanelProps> = {}): IQueuePanelProps {
  return {
    unavailable: null,
    jobs: [
      job({ jobId: '1' }),
      pending({ jobId: '2' }),
      pending({ jobId: '3', reason: 'JobHeldUser' }),
      pending({ jobId: '4', reason: 'JobHeldAdmin' })
    ],
    status: fresh,
    scope: 'mine',
    onScopeChange: () => undefined,
    onRefresh: () => undefined,
    selection: new Set(),
    onSelectionChange: () => undefined,
    onAction: () => undefined,
    onOpen: () => undefined,
    hiddenColumns: [],
    onHiddenColumnsChange: () => undefined,
    trans,
    ...overrides
  };
}

function enabled(): string[] {
  return screen
    .getAllByRole('button')
    .filter(b => b.classList.contains('jp-HpcSlurm-action'))
    .filter(b => !(b as HTMLButtonElement).disabled)
    .map(b => b.textContent ?? '');
}

describe('QueuePanel', () => {
  it('counts the jobs and says how fresh they are, ticking', () => {
    jest.useFakeTimers();
    try {
      const asOf = Date.now() - 12000;
      render(<QueuePanel {...props({ status: { ...fresh, asOf } })} />);
      expect(screen.getByText('4 jobs')).toBeTruthy();
      expect(screen.getByText('updated 12 s ago')).toBeTruthy();
      act(() => {
        jest.advanceTimersByTime(2000);
      });
      expect(screen.getByText('updated 14 s ago')).toBeTruthy();
    } finally {
      jest.useRealTimers();
    }
  });

  it('offers a cluster selector only when the server knows several', () => {
    const chosen: (string | null)[] = [];
    const { rerender } = render(
      <QueuePanel {...props({ clusters: ['testcluster'] })} />
    );
    expect(screen.queryByRole('combobox', { name: 'Cluster' })).toBeNull();
    rerender(
      <QueuePanel
        {...props({
          clusters: ['alpha', 'beta'],
          cluster: null,
          onClusterChange: c => chosen.push(c)
        })}
      />
    );
    const select = screen.getByRole('combobox', {
      name: 'Cluster'
    }) as HTMLSelectElement;
    expect(Array.from(select.options, o => o.textContent)).toEqual([
      'Default cluster',
      'alpha',
      'beta'
    ]);
    expect(select.value).toBe('');
    fireEvent.change(select, { target: { value: 'beta' } });
    fireEvent.change(select, { target: { value: '' } });
    expect(chosen).toEqual(['beta', null]);
  });

  it('asks to cancel the focused job on Delete', () => {
    const actions: string[] = [];
    render(
      <QueuePanel
        {...props({
          onAction: (action, ids) => actions.push(`${action} ${ids}`)
        })}
      />
    );
    const grid = screen.getByRole('grid');
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: 'Delete' });
    expect(actions).toEqual(['cancel 1']);
  });

  it('enables each action only for a selection it applies to', () => {
    const { rerender } = render(<QueuePanel {...props()} />);
    expect(enabled()).toEqual([]);
    rerender(<QueuePanel {...props({ selection: new Set(['2']) })} />);
    expect(enabled()).toEqual(['Cancel', 'Hold']);
    rerender(<QueuePanel {...props({ selection: new Set(['3', '4']) })} />);
    expect(enabled()).toEqual(['Cancel', 'Release']);
    rerender(<QueuePanel {...props({ selection: new Set(['1', '2']) })} />);
    expect(enabled()).toEqual(['Cancel']);
    rerender(<QueuePanel {...props({ selection: new Set(['1']) })} />);
    expect(enabled()).toEqual(['Cancel', 'Requeue']);
    expect(screen.getByText('1 selected')).toBeTruthy();
  });

  it('passes the action, the scope and refresh up', () => {
    const calls: string[] = [];
    render(
      <QueuePanel
        {...props({
          selection: new Set(['2']),
          onAction: a => calls.push(a),
          onScopeChange: s => calls.push(s),
          onRefresh: () => calls.push('refresh')
        })}
      />
    );
    fireEvent.click(screen.getByRole('button', { name: 'Hold' }));
    fireEvent.click(screen.getByRole('radio', { name: 'All users' }));
    fireEvent.click(screen.getByTitle('Refresh the queue'));
    expect(calls).toEqual(['hold', 'all', 'refresh']);
    expect(
      screen.getByRole('radio', { name: 'Mine' }).getAttribute('aria-checked')
    ).toBe('true');
  });

  it('shows a stale queue with an inline alert that goes once fresh again', () => {
    const stale = {
      ...fresh,
      stale: true,
      error: { code: 'SLURM_UNAVAILABLE', message: 'slurmctld is down' }
    };
    const { rerender } = render(<QueuePanel {...props({ status: stale })} />);
    const banner = screen.getByRole('alert');
    expect(banner.className).toBe('jp-HpcSlurm-banner');
    expect(banner.textContent).toContain('slurmctld is down');
    // The last good jobs stay.
    expect(screen.getByText('4 jobs')).toBeTruthy();
    rerender(<QueuePanel {...props()} />);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows why Slurm is unavailable instead of a table', () => {
    render(
      <QueuePanel
        {...props({ unavailable: 'Slurm is not available here: no squeue' })}
      />
    );
    expect(
      screen.getByText('Slurm is not available here: no squeue')
    ).toBeTruthy();
    expect(screen.queryByRole('grid')).toBeNull();
  });
});

describe('slurmUnavailable', () => {
  it('reads the handshake', () => {
    const info = versionInfo() as IVersionInfo;
    expect(slurmUnavailable({ kind: 'ok', info }, trans)).toBeNull();
    const without = versionInfo() as IVersionInfo;
    without.capabilities.slurm = {
      available: false,
      reason: 'squeue was not found on PATH',
      clusters: [],
      accounting: false
    };
    expect(slurmUnavailable({ kind: 'ok', info: without }, trans)).toBe(
      'Slurm is not available here: squeue was not found on PATH'
    );
    expect(
      slurmUnavailable({ kind: 'missing', message: 'refused' }, trans)
    ).toContain('refused');
  });
});
