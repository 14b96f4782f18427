/**
 * The server's error model: every failure a client sees is an `HpcError`
 * rendered as `{"error": {"code", "message"}}` with the matching HTTP status.
 * 4xx are the caller's mistakes, 502/503/504 the world's (DESIGN.md).
 */
export class HpcError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Extra fields merged into the error body (never secrets, never stacks). */
    readonly extra?: Record<string, unknown>
  ) {
    super(message);
    this.name = 'HpcError';
  }
}

/** Shorthands for the statuses the API contract names. */
export const errors = {
  badRequest: (message: string, code = 'BAD_REQUEST') =>
    new HpcError(400, code, message),
  unauthenticated: (message: string) =>
    new HpcError(401, 'UNAUTHENTICATED', message),
  forbidden: (message: string, code = 'FORBIDDEN') =>
    new HpcError(403, code, message),
  notFound: (message: string, code = 'NOT_FOUND') =>
    new HpcError(404, code, message),
  conflict: (message: string, code = 'CONFLICT') =>
    new HpcError(409, code, message),
  commandFailed: (message: string, code = 'COMMAND_FAILED') =>
    new HpcError(502, code, message),
  unavailable: (message: string, code = 'UNAVAILABLE') =>
    new HpcError(503, code, message),
  timeout: (message: string, code = 'TIMEOUT') =>
    new HpcError(504, code, message)
};

/** The JSON body of an error response. */
export interface IErrorBody {
  error: { code: string; message: string } & Record<string, unknown>;
}

export function errorBody(err: HpcError): IErrorBody {
  return {
    error: { ...(err.extra ?? {}), code: err.code, message: err.message }
  };
}
