import { Widget } from '@lumino/widgets';
import { ResourcesClient } from '../api';
import { ResourceModel } from '../model';
import { ResourceStatus } from '../status';
import { GiB, sample, trans } from './fixtures';

describe('ResourceStatus', () => {
  it('shows the parts with their levels, a tooltip, and opens the charts on click', async () => {
    const client = new ResourcesClient({
      request: async <T,>(): Promise<T> =>
        sample({
          memory: { usedBytes: 13 * GiB, limitBytes: 16 * GiB }
        }) as T
    });
    const model = new ResourceModel({ client, refreshSeconds: 1 });
    const opened: string[] = [];
    const status = new ResourceStatus({
      model,
      trans,
      summary: {
        warnAt: 0.8,
        dangerAt: 0.95,
        timeWarnSeconds: 900,
        show: { cpu: true, memory: true, gpu: true, time: true }
      },
      onOpen: () => opened.push('open')
    });
    Widget.attach(status, document.body);
    model.enabled = true;
    await model.refresh();
    status.update();
    await new Promise(resolve => requestAnimationFrame(resolve));
    await new Promise(resolve => setTimeout(resolve, 0));

    const parts = Array.from(status.node.querySelectorAll('.jp-HpcMeter-part'));
    expect(parts.map(p => p.textContent)).toEqual([
      'CPU 1.2/4',
      'Mem 13/16 GB'
    ]);
    expect(parts[1].classList.contains('jp-mod-warn')).toBe(true);
    expect(status.node.title).toContain('of your 16 GB limit');
    status.node.click();
    expect(opened).toEqual(['open']);
    status.dispose();
    model.dispose();
  });
});
