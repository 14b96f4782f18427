import { ServerConnection } from '@jupyterlab/services';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';
import { waitFor } from '@testing-library/react';
import { json, versionInfo } from '../../__tests__/fakeServer';
import { HpcServer } from '../../core/model';
import { SlurmClient } from '../api';
import { QueueModel } from '../model';
import { QueueWidget } from '../widget';
import { job, pending, queue } from './fixtures';

const trans = nullTranslator.load('jupyterlab_hpc');

describe('QueueWidget', () => {
  // Lumino renders React outside act(), as in the app.
  const env = globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean };
  beforeAll(() => (env.IS_REACT_ACT_ENVIRONMENT = false));
  afterAll(() => (env.IS_REACT_ACT_ENVIRONMENT = true));

  function setUp(slurmAvailable = true, clusters?: string[]) {
    const info = versionInfo();
    const urls: string[] = [];
    if (clusters) {
      (info.capabilities as any).slurm.clusters = clusters;
    }
    if (!slurmAvailable) {
      (info.capabilities as any).slurm = {
        available: false,
        reason: 'squeue was not found on PATH',
        clusters: [],
        accounting: false
      };
    }
    const fetch = async (input: RequestInfo | URL) => {
      const url = String(input instanceof Request ? input.url : input);
      urls.push(url);
      return url.includes('/slurm/jobs')
        ? json(200, queue([job(), pending({ jobId: '13' })]))
        : json(200, info);
    };
    const server = new HpcServer(
      ServerConnection.makeSettings({
        baseUrl: 'http://localhost:8888/',
        fetch: fetch as typeof window.fetch
      })
    );
    const model = new QueueModel({ client: new SlurmClient(server) });
    const opened: string[] = [];
    const widget = new QueueWidget({
      model,
      server,
      trans,
      onAction: () => undefined,
      onOpen: j => opened.push(j.jobId)
    });
    return { server, model, widget, opened, urls };
  }

  it('is the sidebar panel, polls while shown and renders the queue lazily', async () => {
    const { server, model, widget } = setUp();
    expect(widget.id).toBe('jp-HpcSlurm-panel');
    expect(widget.title.caption).toBe('Slurm queue');
    await server.check();
    Widget.attach(widget, document.body);
    expect(model.isActive).toBe(true);
    await waitFor(
      () =>
        expect(
          widget.node.querySelector('.jp-HpcSlurm-count')?.textContent
        ).toBe('2 jobs'),
      // The first run compiles the lazily loaded panel.
      { timeout: 10000 }
    );
    widget.hide();
    expect(model.isActive).toBe(false);
    widget.dispose();
    widget.dispose();
    model.dispose();
  });

  it('says why Slurm is unavailable instead of a table', async () => {
    const { server, model, widget } = setUp(false);
    Widget.attach(widget, document.body);
    await server.check();
    await waitFor(
      () =>
        expect(widget.node.textContent).toContain(
          'Slurm is not available here: squeue was not found on PATH'
        ),
      { timeout: 10000 }
    );
    expect(widget.node.querySelector('[role="grid"]')).toBeNull();
    widget.dispose();
    model.dispose();
  });

  it("switches the model's cluster from the selector the server's clusters fill", async () => {
    const { server, model, widget, urls } = setUp(true, ['alpha', 'beta']);
    await server.check();
    Widget.attach(widget, document.body);
    const select = await waitFor(
      () => {
        const node = widget.node.querySelector<HTMLSelectElement>(
          'select.jp-HpcSlurm-cluster'
        );
        expect(node).not.toBeNull();
        return node!;
      },
      { timeout: 10000 }
    );
    select.value = 'beta';
    select.dispatchEvent(new Event('change', { bubbles: true }));
    expect(model.cluster).toBe('beta');
    await waitFor(() =>
      expect(urls).toContainEqual(
        expect.stringContaining('slurm/jobs?scope=mine&cluster=beta')
      )
    );
    widget.dispose();
    model.dispose();
  });

  it('hides the selector with one cluster, and scrolls to a revealed job', async () => {
    // jsdom lays nothing out: give the grid a viewport, as the table's tests do.
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
      configurable: true,
      get() {
        return (this as HTMLElement).classList.contains('jp-HpcSlurm-scroll')
          ? 600
          : 0;
      }
    });
    const { server, model, widget } = setUp();
    await server.check();
    Widget.attach(widget, document.body);
    await waitFor(
      () =>
        expect(widget.node.querySelector('[data-job-id="13"]')).not.toBeNull(),
      { timeout: 10000 }
    );
    expect(widget.node.querySelector('select.jp-HpcSlurm-cluster')).toBeNull();
    await model.reveal('13');
    await waitFor(() =>
      expect(
        widget.node.querySelector('[data-job-id="13"]')!.className
      ).toContain('jp-mod-revealed')
    );
    expect(
      widget.node
        .querySelector('[data-job-id="13"]')!
        .getAttribute('aria-selected')
    ).toBe('true');
    widget.dispose();
    model.dispose();
    delete (HTMLElement.prototype as any).clientHeight;
  });
});
