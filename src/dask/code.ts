/**
 * The client code that connects a notebook to a cluster, and putting it into
 * a notebook as a new code cell (button, command, or a card dropped on it).
 */
import type { ICluster } from './types';

/** How the code connects: by scheduler file (default) or by address. */
export type ClientCodeStyle = 'schedulerFile' | 'address';

/** The MIME type of notebook cells in a drag (Lab's notebook accepts it). */
export const JUPYTER_CELL_MIME = 'application/vnd.jupyter.cells';

/**
 * A Python string literal for any text: JSON's double-quoted strings with
 * their escapes are valid Python.
 */
function pyString(text: string): string {
  return JSON.stringify(text);
}

/**
 * The code for a cluster, or null when it has no way in yet (still starting:
 * no scheduler file or address). The style's way is used when known, the
 * other one otherwise.
 */
export function clientCode(
  cluster: Pick<ICluster, 'schedulerFile' | 'schedulerAddress'>,
  style: ClientCodeStyle
): string | null {
  const byFile = cluster.schedulerFile
    ? `client = Client(scheduler_file=${pyString(cluster.schedulerFile)})`
    : null;
  const byAddress = cluster.schedulerAddress
    ? `client = Client(${pyString(cluster.schedulerAddress)})`
    : null;
  const connect =
    style === 'schedulerFile' ? (byFile ?? byAddress) : (byAddress ?? byFile);
  if (!connect) {
    return null;
  }
  return ['from dask.distributed import Client', '', connect, 'client'].join(
    '\n'
  );
}

/** A code cell's JSON (what a drop or an insertion adds). */
export function codeCell(source: string): {
  cell_type: 'code';
  source: string;
  metadata: { trusted: boolean };
  outputs: never[];
  execution_count: null;
} {
  return {
    cell_type: 'code',
    source,
    // Written by the user's own action, like an empty cell they add.
    metadata: { trusted: true },
    outputs: [],
    execution_count: null
  };
}

/** The part of a notebook widget the insertion uses. */
export interface INotebookLike {
  model: {
    sharedModel: { insertCell(index: number, cell: object): unknown };
  } | null;
  activeCellIndex: number;
  activeCell: unknown;
  deselectAll?(): void;
}

/**
 * Add a code cell with `source` below the active cell (at the top of a
 * notebook with none) and make it active. Returns its index, -1 if the
 * notebook has no model.
 */
export function insertBelow(notebook: INotebookLike, source: string): number {
  if (!notebook.model) {
    return -1;
  }
  const index = notebook.activeCell ? notebook.activeCellIndex + 1 : 0;
  notebook.model.sharedModel.insertCell(index, codeCell(source));
  notebook.activeCellIndex = index;
  notebook.deselectAll?.();
  return index;
}
