// Titles here are test data, not UI strings to translate.
/* eslint-disable jupyter/no-untranslated-string */
/**
 * The gallery model over the fake HTTP seam: tasks followed until they
 * settle (done, failed, cancelled), re-attached after a reload, forgotten
 * when the server forgets them; search and tag filters; the words of a
 * finished task.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { fakeHpcServer, IRequestSeen, json } from '../../__tests__/fakeServer';
import { GalleryClient } from '../api';
import { filterExamples, GalleryModel, tagCounts } from '../model';
import { taskOutcome } from '../plugin';
import type { IGalleryExample, IGalleryList, ITask } from '../types';

const trans = nullTranslator.load('jupyterlab_hpc');

function fakeClient(
  handler: (req: IRequestSeen) => Response | Promise<Response>
) {
  const { server, requests } = fakeHpcServer(handler);
  return { client: new GalleryClient(server), requests };
}

function example(over: Partial<IGalleryExample> = {}): IGalleryExample {
  return {
    id: 'dask-arrays',
    title: 'Dask arrays on your allocation',
    description: 'Chunked arrays computed in parallel',
    tags: ['dask', 'parallel'],
    status: 'curated',
    kind: 'repository',
    entry: 'dask-arrays.ipynb',
    author: 'HPC support',
    copies: [],
    ...over
  };
}

function task(over: Partial<ITask> = {}): ITask {
  return {
    id: '0123456789abcdef',
    kind: 'use',
    exampleId: 'dask-arrays',
    exampleTitle: 'Dask arrays on your allocation',
    state: 'running',
    progress: 0.1,
    message: 'Copying files 1/3',
    path: 'examples/dask-arrays',
    startedAt: '2026-11-23T12:00:00Z',
    ...over
  };
}

const LIST: IGalleryList = {
  examples: [example()],
  errors: [],
  viewer: {
    user: 'alice',
    reviewer: false,
    canSubmit: true,
    destination: 'examples'
  },
  submissions: []
};

/** Resolves when `model.settled` fires. */
function nextSettled(model: GalleryModel): Promise<ITask> {
  return new Promise(resolve => {
    const once = (_: unknown, t: ITask) => {
      model.settled.disconnect(once);
      resolve(t);
    };
    model.settled.connect(once);
  });
}

describe('GalleryModel', () => {
  let model: GalleryModel | null = null;
  afterEach(() => {
    model?.dispose();
    model = null;
  });

  it('follows a Use until it is done, then reloads the list', async () => {
    const states = [
      task(),
      task({ progress: 0.6 }),
      task({
        state: 'done',
        progress: 1,
        entry: 'examples/dask-arrays/dask-arrays.ipynb'
      })
    ];
    let polls = 0;
    const { client, requests } = fakeClient(req => {
      if (
        req.method === 'POST' &&
        req.url.endsWith('/gallery/dask-arrays/use')
      ) {
        return json(202, states[0]);
      }
      if (req.url.endsWith('/gallery/tasks/0123456789abcdef')) {
        return json(200, states[Math.min(++polls, 2)]);
      }
      if (req.url.endsWith('/hpc/api/gallery')) {
        return json(200, LIST);
      }
      return json(404, {});
    });
    model = new GalleryModel({ client, pollMs: 5 });
    const settled = nextSettled(model);
    const started = await model.use('dask-arrays', 'mine');
    expect(started.state).toBe('running');
    expect(JSON.parse(requests[0].body)).toEqual({ destination: 'mine' });
    expect(model.taskOf('dask-arrays')?.state).toBe('running');
    const done = await settled;
    expect(done.entry).toBe('examples/dask-arrays/dask-arrays.ipynb');
    expect(model.taskOf('dask-arrays')?.state).toBe('done');
    await new Promise(r => setTimeout(r, 20));
    expect(requests.some(r => r.url.endsWith('/hpc/api/gallery'))).toBe(true);
    expect(model.list?.examples).toHaveLength(1);
  });

  it('re-attaches to running tasks after a reload, and only to running ones', async () => {
    let polls = 0;
    const { client, requests } = fakeClient(req => {
      if (req.url.endsWith('/gallery/tasks')) {
        return json(200, {
          tasks: [
            task(),
            task({ id: 'ffffffffffffffff', exampleId: 'other', state: 'done' })
          ]
        });
      }
      if (req.url.endsWith('/gallery/tasks/0123456789abcdef')) {
        return json(
          200,
          ++polls < 2
            ? task()
            : task({
                state: 'failed',
                error: {
                  code: 'GIT_FAILED',
                  message: 'git could not get the example'
                }
              })
        );
      }
      return json(200, LIST);
    });
    model = new GalleryModel({ client, pollMs: 5 });
    const settled = nextSettled(model);
    await model.attach();
    expect(model.taskOf('other')).toBeUndefined();
    const failed = await settled;
    expect(failed.state).toBe('failed');
    expect(taskOutcome(failed, trans)).toBe(
      '"Dask arrays on your allocation" could not be copied: git could not get the example'
    );
    expect(requests.filter(r => r.url.includes('ffffffffffffffff'))).toEqual(
      []
    );
  });

  it('stops following a task the server no longer knows', async () => {
    const { client } = fakeClient(req =>
      req.method === 'POST'
        ? json(202, task())
        : json(404, { error: { code: 'UNKNOWN_TASK', message: 'gone' } })
    );
    model = new GalleryModel({ client, pollMs: 5 });
    await model.use('dask-arrays');
    await new Promise(r => setTimeout(r, 40));
    expect(model.taskOf('dask-arrays')).toBeUndefined();
  });

  it('cancels: the task as the server answers it', async () => {
    const { client, requests } = fakeClient(req => {
      if (req.method === 'DELETE') {
        return json(200, task({ state: 'cancelled', message: 'Cancelled' }));
      }
      if (req.method === 'POST') {
        return json(202, task());
      }
      return json(200, req.url.endsWith('/hpc/api/gallery') ? LIST : task());
    });
    model = new GalleryModel({ client, pollMs: 1000 });
    await model.use('dask-arrays');
    const settled = nextSettled(model);
    await model.cancel('0123456789abcdef');
    expect((await settled).state).toBe('cancelled');
    expect(requests.find(r => r.method === 'DELETE')?.url).toMatch(
      /\/hpc\/api\/gallery\/tasks\/0123456789abcdef$/
    );
    expect(taskOutcome(task({ state: 'cancelled' }), trans)).toBe(
      'Copy of "Dask arrays on your allocation" cancelled: nothing was kept'
    );
  });

  it("shows the server's message when the list can't be loaded", async () => {
    const { client } = fakeClient(() =>
      json(503, {
        error: {
          code: 'GIT_UNAVAILABLE',
          message: 'git cannot be run on the server'
        }
      })
    );
    model = new GalleryModel({ client });
    await model.refresh();
    expect(model.error).toBe('git cannot be run on the server');
    expect(model.list).toBeNull();
  });
});

describe('filters', () => {
  const examples = [
    example(),
    example({
      id: 'mem',
      title: 'Memory use',
      description: 'the meter',
      tags: ['resources'],
      author: 'Ada'
    }),
    example({
      id: 'arrays',
      title: 'Job arrays',
      description: 'sbatch --array',
      tags: ['slurm', 'batch']
    })
  ];

  it('matches every word of the search in title, description, tags or author', () => {
    expect(filterExamples(examples, 'meter ada', []).map(e => e.id)).toEqual([
      'mem'
    ]);
    expect(filterExamples(examples, 'ARRAY', []).map(e => e.id)).toEqual([
      'dask-arrays',
      'arrays'
    ]);
    expect(filterExamples(examples, 'nothing-like-this', [])).toEqual([]);
  });

  it('keeps examples carrying every chosen tag, and counts tags', () => {
    expect(
      filterExamples(examples, '', ['slurm', 'batch']).map(e => e.id)
    ).toEqual(['arrays']);
    expect(filterExamples(examples, '', ['slurm', 'dask'])).toEqual([]);
    expect(
      tagCounts([...examples, example({ id: 'x', tags: ['dask'] })])[0]
    ).toEqual(['dask', 2]);
  });
});
