/**
 * The job output route (`GET slurm/jobs/{jobId}/output`), which answers
 * text with its offsets in headers rather than JSON, so it cannot go through
 * `requestAPI`. Still through `ServerConnection` (tokens, XSRF, prefixes).
 */
import { ServerConnection } from '@jupyterlab/services';
import { apiUrl, HpcRequestError } from '../../request';

/** Which output file of a job. */
export type OutputStream = 'stdout' | 'stderr';

/** One read of an output file. */
export interface IOutputChunk {
  /** The text from the asked offset (up to the server's chunk size). */
  text: string;
  /** Where the next read continues (`X-Next-Offset`, bytes). */
  nextOffset: number;
  /** The file's size when read (`X-Output-Size`), or null if not sent. */
  size: number | null;
  /** The file's absolute path (`X-Output-Path`). */
  path: string | null;
}

/** Reads a job's output from a byte offset; rejects with `HpcRequestError`. */
export type OutputReader = (
  jobId: string,
  stream: OutputStream,
  offset: number
) => Promise<IOutputChunk>;

/** An `OutputReader` over the server's output route. */
export function outputReader(
  settings: ServerConnection.ISettings
): OutputReader {
  return async (jobId, stream, offset) => {
    const url = apiUrl(
      settings,
      `slurm/jobs/${encodeURIComponent(jobId)}/output?stream=${stream}&offset=${offset}`
    );
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(
        url,
        // Not Jupyter's default 'no-store', which adds a `?<timestamp>`.
        { cache: 'no-cache' },
        settings
      );
    } catch (error) {
      throw new HpcRequestError(
        0,
        'NETWORK',
        `The server could not be reached: ${(error as Error).message}`
      );
    }
    const text = await response.text();
    if (!response.ok) {
      let body: { error?: { code?: string; message?: string } } = {};
      try {
        body = JSON.parse(text);
      } catch {
        // Not the server's JSON error: the status says enough.
      }
      throw new HpcRequestError(
        response.status,
        body.error?.code ?? `HTTP_${response.status}`,
        body.error?.message ?? `${response.status} from ${url}`
      );
    }
    const next = Number(response.headers.get('x-next-offset'));
    const size = response.headers.get('x-output-size');
    const path = response.headers.get('x-output-path');
    return {
      text,
      nextOffset:
        response.headers.has('x-next-offset') && Number.isFinite(next)
          ? next
          : offset + new TextEncoder().encode(text).length,
      size: size === null ? null : Number(size),
      path: path === null ? null : decodeURIComponent(path)
    };
  };
}
