/**
 * Dragging a cluster card into a notebook: a Lumino drag carrying one code
 * cell (`application/vnd.jupyter.cells`, which Lab's notebook inserts where
 * it is dropped, as for cells dragged between notebooks) and the code as
 * plain text (for editors and consoles).
 */
import { MimeData } from '@lumino/coreutils';
import { Drag } from '@lumino/dragdrop';
import { codeCell, JUPYTER_CELL_MIME } from '../code';

/** Pixels the pointer must move before a press becomes a drag. */
const THRESHOLD = 5;

/** The data a drag of this code carries. */
export function dragData(code: string): MimeData {
  const mimeData = new MimeData();
  mimeData.setData(JUPYTER_CELL_MIME, [codeCell(code)]);
  mimeData.setData('text/plain', code);
  return mimeData;
}

/**
 * Mouse-down handler of a card: once the pointer moved a few pixels with the
 * button held, starts the drag. Presses on controls are left alone.
 */
export function startDragOnMove(
  event: React.MouseEvent<HTMLElement>,
  code: () => string | null,
  label: string
): void {
  if (
    event.button !== 0 ||
    (event.target as HTMLElement).closest(
      'button, input, select, textarea, summary, a, pre'
    )
  ) {
    return;
  }
  const x0 = event.clientX;
  const y0 = event.clientY;
  const move = (e: MouseEvent) => {
    if (
      Math.abs(e.clientX - x0) < THRESHOLD &&
      Math.abs(e.clientY - y0) < THRESHOLD
    ) {
      return;
    }
    stop();
    const text = code();
    if (!text) {
      return;
    }
    const image = document.createElement('div');
    image.className = 'jp-HpcDask-dragImage';
    image.textContent = label;
    const drag = new Drag({
      mimeData: dragData(text),
      dragImage: image,
      proposedAction: 'copy',
      supportedActions: 'copy'
    });
    void drag.start(e.clientX, e.clientY);
  };
  const stop = () => {
    document.removeEventListener('mousemove', move, true);
    document.removeEventListener('mouseup', stop, true);
  };
  document.addEventListener('mousemove', move, true);
  document.addEventListener('mouseup', stop, true);
}
