import { YNotebook } from '@jupyter/ydoc';
import { clientCode, insertBelow, JUPYTER_CELL_MIME } from '../code';
import { dragData } from '../components/drag';
import { cluster } from './fixtures';

const FILE =
  '/home/alice/.local/share/jupyter/jupyterlab-hpc/dask/a1b2c3d4e5f6/scheduler.json';

describe('clientCode', () => {
  it('connects by scheduler file by default', () => {
    expect(clientCode(cluster(), 'schedulerFile')).toBe(
      [
        'from dask.distributed import Client',
        '',
        `client = Client(scheduler_file="${FILE}")`,
        'client'
      ].join('\n')
    );
  });

  it('connects by address with the address style', () => {
    expect(clientCode(cluster(), 'address')).toBe(
      [
        'from dask.distributed import Client',
        '',
        'client = Client("tcp://127.0.0.1:40123")',
        'client'
      ].join('\n')
    );
  });

  it('falls back to the other way when the chosen one is unknown', () => {
    expect(
      clientCode(cluster({ schedulerFile: null }), 'schedulerFile')
    ).toContain('Client("tcp://127.0.0.1:40123")');
    expect(
      clientCode(cluster({ schedulerAddress: null }), 'address')
    ).toContain('scheduler_file=');
    expect(
      clientCode(
        cluster({ schedulerAddress: null, schedulerFile: null }),
        'address'
      )
    ).toBeNull();
  });

  it('quotes a path with quotes and backslashes as a valid Python string', () => {
    const code = clientCode(
      cluster({ schedulerFile: '/home/o"brien\\x/s.json' }),
      'schedulerFile'
    );
    expect(code).toContain(
      'Client(scheduler_file="/home/o\\"brien\\\\x/s.json")'
    );
  });
});

describe('insertBelow', () => {
  function notebook(sources: string[], active: number | null) {
    const shared = YNotebook.create({});
    sources.forEach((source, i) =>
      shared.insertCell(i, { cell_type: 'code', source })
    );
    return {
      shared,
      widget: {
        model: { sharedModel: shared },
        activeCellIndex: active ?? 0,
        activeCell: active === null ? null : {}
      }
    };
  }

  it('adds a code cell below the active cell of a notebook model and makes it active', () => {
    const { shared, widget } = notebook(['import dask', 'x = 1', 'y = 2'], 1);
    const code = clientCode(cluster(), 'schedulerFile') as string;
    expect(insertBelow(widget, code)).toBe(2);
    expect(shared.cells.map(c => c.getSource())).toEqual([
      'import dask',
      'x = 1',
      code,
      'y = 2'
    ]);
    expect(shared.cells[2].cell_type).toBe('code');
    expect(widget.activeCellIndex).toBe(2);
  });

  it('puts it at the top of a notebook without an active cell', () => {
    const { shared, widget } = notebook([], null);
    expect(insertBelow(widget, 'client = 1')).toBe(0);
    expect(shared.cells.map(c => c.getSource())).toEqual(['client = 1']);
  });

  it('does nothing without a model', () => {
    expect(
      insertBelow({ model: null, activeCellIndex: 0, activeCell: null }, 'x')
    ).toBe(-1);
  });
});

describe('dragging a card', () => {
  it('carries one code cell (what the notebook inserts on drop) and the text', () => {
    const data = dragData('client = Client("tcp://h:1")');
    expect(data.getData(JUPYTER_CELL_MIME)).toEqual([
      {
        cell_type: 'code',
        source: 'client = Client("tcp://h:1")',
        metadata: { trusted: true },
        outputs: [],
        execution_count: null
      }
    ]);
    expect(data.getData('text/plain')).toBe('client = Client("tcp://h:1")');
    // The notebook's drop inserts these with insertCells: a real model takes them.
    const shared = YNotebook.create({});
    shared.insertCells(0, data.getData(JUPYTER_CELL_MIME));
    expect(shared.cells[0].getSource()).toBe('client = Client("tcp://h:1")');
  });
});
