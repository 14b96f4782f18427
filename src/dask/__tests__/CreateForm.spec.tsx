import { act, fireEvent, render, screen } from '@testing-library/react';
import * as React from 'react';
import { json } from '../../__tests__/fakeServer';
import { AdoptForm, adoptRequest } from '../components/AdoptForm';
import { CreateForm } from '../components/CreateForm';
import { DEFAULT_DEFAULTS, IDaskDefaults } from '../components/props';
import { ClusterModel } from '../model';
import { cluster, fakeClient, IRequestSeen, trans } from './fixtures';

const PREVIEW = {
  scheduler: {
    argv: ['sbatch', '--parsable'],
    script:
      '#!/bin/bash\n#SBATCH --job-name=dask-scheduler-a1b2\n#SBATCH --time=00:30:00\nexec /usr/bin/python3 -m distributed.cli.dask_scheduler --scheduler-file s.json'
  },
  worker: {
    argv: ['sbatch', '--parsable'],
    script:
      '#!/bin/bash\n#SBATCH --dependency=after:101\nexec /usr/bin/python3 -m distributed.cli.dask_worker'
  }
};

/** A server that answers the form's requests; `create` decides POST clusters. */
function server(create: (req: IRequestSeen) => Response) {
  const listed: unknown[] = [];
  const { client, requests } = fakeClient(async req => {
    if (req.url.endsWith('/slurm/partitions')) {
      return json(200, {
        partitions: [
          { name: 'debug', isDefault: true, available: true },
          { name: 'gpu', isDefault: false, available: true }
        ]
      });
    }
    if (req.url.endsWith('/dask/clusters/preview')) {
      return json(200, PREVIEW);
    }
    if (req.method === 'POST' && req.url.endsWith('/dask/clusters')) {
      const answer = create(req);
      if (answer.status === 201) {
        listed.push(await answer.clone().json());
      }
      return answer;
    }
    return json(200, { clusters: listed });
  });
  const model = new ClusterModel({ client });
  return { client, model, requests };
}

function form(
  s: ReturnType<typeof server>,
  defaults: IDaskDefaults = DEFAULT_DEFAULTS,
  onDone = jest.fn()
) {
  render(
    <CreateForm
      defaults={defaults}
      slurm={true}
      client={s.client}
      forms={{
        create: r => s.model.create(r),
        adopt: r => s.model.adopt(r)
      }}
      onDone={onDone}
      trans={trans}
    />
  );
  return onDone;
}

const posted = (s: ReturnType<typeof server>, suffix: string) =>
  s.requests
    .filter(r => r.method === 'POST' && r.url.endsWith(suffix))
    .map(r => JSON.parse(r.body));

describe('CreateForm', () => {
  it('starts a local cluster with the defaults from the settings', async () => {
    const s = server(() => json(201, cluster({ status: 'starting' })));
    const done = form(s, {
      ...DEFAULT_DEFAULTS,
      workers: 3,
      memoryPerWorker: '4GiB'
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    });
    expect(posted(s, '/dask/clusters')).toEqual([
      {
        backend: 'local',
        workers: 3,
        threadsPerWorker: 1,
        memoryPerWorker: '4GiB'
      }
    ]);
    expect(done).toHaveBeenCalled();
    expect(s.model.clusters[0].status).toBe('starting');
    s.model.dispose();
  });

  it('checks the fields before sending anything', async () => {
    const s = server(() => json(201, cluster()));
    form(s);
    fireEvent.click(screen.getByLabelText('Slurm jobs'));
    fireEvent.change(screen.getByLabelText('Memory per worker'), {
      target: { value: 'lots' }
    });
    fireEvent.change(screen.getByLabelText('Walltime'), {
      target: { value: '1 hour' }
    });
    fireEvent.change(screen.getByLabelText('Workers'), {
      target: { value: '-1' }
    });
    fireEvent.click(screen.getByLabelText('Adapt to the load'));
    fireEvent.change(screen.getByLabelText('Minimum workers'), {
      target: { value: '5' }
    });
    fireEvent.change(screen.getByLabelText('Maximum workers'), {
      target: { value: '2' }
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    });
    expect(posted(s, '/dask/clusters')).toEqual([]);
    expect(screen.getByText('A whole number, 0 or more.')).toBeTruthy();
    expect(screen.getByText(/A size such as 4GiB/)).toBeTruthy();
    expect(screen.getByText(/A Slurm time: HH:MM:SS/)).toBeTruthy();
    expect(screen.getByText('At least the minimum.')).toBeTruthy();
    expect(screen.getByLabelText('Workers').getAttribute('aria-invalid')).toBe(
      'true'
    );
    s.model.dispose();
  });

  it("shows the server's 400 next to the field it is about", async () => {
    const s = server(() =>
      json(400, {
        error: {
          code: 'WORKERS_ABOVE_MAXIMUM',
          message:
            'At most 100 workers per cluster (dask.maxWorkers); ask for fewer.'
        }
      })
    );
    const done = form(s);
    fireEvent.change(screen.getByLabelText('Workers'), {
      target: { value: '500' }
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    });
    const workers = screen.getByLabelText('Workers');
    expect(workers.getAttribute('aria-invalid')).toBe('true');
    const hint = document.getElementById(
      workers.getAttribute('aria-describedby') as string
    );
    expect(hint?.textContent).toBe(
      'At most 100 workers per cluster (dask.maxWorkers); ask for fewer.'
    );
    expect(done).not.toHaveBeenCalled();
    s.model.dispose();
  });

  it("shows any other refusal below the form, in the server's words", async () => {
    const s = server(() =>
      json(400, {
        error: {
          code: 'INVALID_INPUT',
          message: 'partition must be a Slurm partition name.'
        }
      })
    );
    form(s);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    });
    expect(screen.getByRole('alert').textContent).toBe(
      'partition must be a Slurm partition name.'
    );
    s.model.dispose();
  });

  it('previews the Slurm job scripts read-only, then starts with the same request', async () => {
    const s = server(() =>
      json(201, cluster({ backend: 'slurm', status: 'starting' }))
    );
    form(s, { ...DEFAULT_DEFAULTS, backend: 'slurm', account: 'physics' });
    // The partitions come from the server.
    await act(async () => undefined);
    fireEvent.change(screen.getByLabelText('Partition'), {
      target: { value: 'gpu' }
    });
    fireEvent.change(screen.getByLabelText('Walltime'), {
      target: { value: '00:30:00' }
    });
    await act(async () => {
      fireEvent.click(
        screen.getByRole('button', { name: 'Preview job scripts' })
      );
    });
    expect(screen.getByLabelText('Scheduler').textContent).toBe(
      PREVIEW.scheduler.script
    );
    expect(screen.getByLabelText('Each worker').textContent).toBe(
      PREVIEW.worker.script
    );
    expect(screen.getByLabelText('Scheduler').tagName).toBe('PRE');
    const expected = {
      backend: 'slurm',
      workers: 2,
      threadsPerWorker: 1,
      memoryPerWorker: '2GiB',
      walltime: '00:30:00',
      partition: 'gpu',
      account: 'physics'
    };
    expect(posted(s, '/dask/clusters/preview')).toEqual([expected]);
    // A change makes the preview stale.
    fireEvent.change(screen.getByLabelText('Walltime'), {
      target: { value: '01:00:00' }
    });
    expect(screen.getByText(/preview again/)).toBeTruthy();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Start' }));
    });
    expect(posted(s, '/dask/clusters')).toEqual([
      { ...expected, walltime: '01:00:00' }
    ]);
    s.model.dispose();
  });
});

describe('AdoptForm', () => {
  it('builds the request from a file or an address, or says what is wrong', () => {
    expect(adoptRequest('file', ' /scratch/s.json ', '', '', trans)).toEqual({
      schedulerFile: '/scratch/s.json'
    });
    expect(adoptRequest('file', 's.json', '', '', trans)).toMatch(
      /absolute path/
    );
    expect(
      adoptRequest('address', '', 'tcp://10.0.0.5:8786', '8787', trans)
    ).toEqual({
      address: 'tcp://10.0.0.5:8786',
      dashboardPort: 8787
    });
    expect(
      adoptRequest('address', '', 'tcp://10.0.0.5:8786', '', trans, ' etl ')
    ).toEqual({ address: 'tcp://10.0.0.5:8786', name: 'etl' });
    expect(adoptRequest('address', '', '10.0.0.5', '', trans)).toMatch(
      /tcp:\/\//
    );
    expect(adoptRequest('address', '', 'tcp://h:1', '70000', trans)).toMatch(
      /65535/
    );
  });

  it("adopts, and shows a 502 in the server's words", async () => {
    const s = server(() => json(500, {}));
    const adopt = jest.fn(async () => {
      const { HpcRequestError } = await import('../../request');
      throw new HpcRequestError(
        502,
        'SCHEDULER_UNREACHABLE',
        'Nothing answers at tcp://10.0.0.5:8786: is the scheduler running?'
      );
    });
    render(
      <AdoptForm
        forms={{ create: jest.fn(), adopt }}
        onDone={jest.fn()}
        trans={trans}
      />
    );
    fireEvent.click(screen.getByLabelText('Address'));
    fireEvent.change(screen.getByLabelText('Scheduler address'), {
      target: { value: 'tcp://10.0.0.5:8786' }
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Adopt' }));
    });
    expect(adopt).toHaveBeenCalledWith({ address: 'tcp://10.0.0.5:8786' });
    expect(screen.getByRole('alert').textContent).toBe(
      'Nothing answers at tcp://10.0.0.5:8786: is the scheduler running?'
    );
    s.model.dispose();
  });
});
