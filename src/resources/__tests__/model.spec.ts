import { ResourcesClient } from '../api';
import type { MeterEvent } from '../events';
import { ResourceModel } from '../model';
import type { ISample } from '../types';
import { sample } from './fixtures';

/** A server whose `resources` answers come from a list (the last repeats). */
function server(answers: (ISample | Error)[], history: ISample[] = []) {
  const paths: string[] = [];
  let i = 0;
  const client = new ResourcesClient({
    request: async <T>(path: string): Promise<T> => {
      paths.push(path);
      if (path.startsWith('resources/history')) {
        return { samples: history } as T;
      }
      const answer = answers[Math.min(i++, answers.length - 1)];
      if (answer instanceof Error) {
        throw answer;
      }
      return answer as T;
    }
  });
  return { client, paths };
}

const t = (s: number) =>
  new Date(Date.UTC(2026, 10, 23, 15, 0, s)).toISOString();

describe('ResourceModel', () => {
  let model: ResourceModel | null = null;
  afterEach(() => {
    model?.dispose();
    model = null;
  });

  it('does not poll until the server is there', async () => {
    const { client, paths } = server([sample()]);
    model = new ResourceModel({ client, refreshSeconds: 1 });
    await new Promise(resolve => setTimeout(resolve, 30));
    expect(paths).toEqual([]);
    model.enabled = true;
    await model.refresh();
    expect(paths[0]).toBe('resources');
    expect(model.latest?.cpu.usedCores).toBe(1.23);
  });

  it('keeps one sample per server sample and the last good one on errors', async () => {
    const { client } = server([
      sample({ time: t(0) }),
      sample({ time: t(0) }),
      sample({ time: t(1) }),
      new Error('The jupyterlab-hpc server did not answer')
    ]);
    model = new ResourceModel({ client, refreshSeconds: 1 });
    model.enabled = true;
    await model.refresh();
    await model.refresh();
    expect(model.samples).toHaveLength(1);
    await model.refresh();
    expect(model.samples).toHaveLength(2);
    await model.refresh();
    expect(model.error).toBe('The jupyterlab-hpc server did not answer');
    expect(model.latest?.time).toBe(t(1));
  });

  it('merges the server’s history, in order, without duplicates', async () => {
    const { client, paths } = server(
      [sample({ time: t(10) })],
      [sample({ time: t(5) }), sample({ time: t(8) }), sample({ time: t(10) })]
    );
    model = new ResourceModel({ client, refreshSeconds: 1 });
    model.enabled = true;
    await model.refresh();
    await model.loadHistory(600);
    expect(paths).toContain('resources/history?seconds=600');
    expect(model.samples.map(s => s.time)).toEqual([t(5), t(8), t(10)]);
  });

  it('emits an OOM event when the kill count rises between polls', async () => {
    const { client } = server([
      sample({ time: t(0), oomKills: 1 }),
      sample({ time: t(1), oomKills: 2 })
    ]);
    model = new ResourceModel({ client, refreshSeconds: 1 });
    const seen: MeterEvent[] = [];
    model.events.connect((_, events) => seen.push(...events));
    model.enabled = true;
    await model.refresh();
    expect(seen).toEqual([]);
    await model.refresh();
    expect(seen).toEqual([
      { kind: 'oom', kills: 1, limitBytes: 16 * 1024 ** 3 }
    ]);
  });
});
