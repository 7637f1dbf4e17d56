// One error type for the whole tool. `code` is stable (tests and batch output rely on it);
// `exitCode` follows DESIGN section 2; `cause` is kept for --debug.

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  auth: 4,
  api: 5,
  network: 6,
  threshold: 7,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface RelayErrorInit {
  code: string;
  exitCode: ExitCode;
  cause?: unknown;
  status?: number;
  requestId?: string;
  /** Seconds the server asked us to wait, when that is why we gave up. */
  retryAfter?: number;
  /** Server's own error type / code, e.g. `invalid_request_error`, `model_not_found`. */
  type?: string;
  serverCode?: string;
  /** Partial output that reached the user before the failure. */
  partial?: string;
  /** Whether the request may be tried again (truncated stream, 5xx...). */
  retryable?: boolean;
}

export class RelayError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly status?: number;
  readonly requestId?: string;
  readonly retryAfter?: number;
  readonly type?: string;
  readonly serverCode?: string;
  partial?: string;
  readonly retryable: boolean;

  constructor(message: string, init: RelayErrorInit) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'RelayError';
    this.code = init.code;
    this.exitCode = init.exitCode;
    this.status = init.status;
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.type = init.type;
    this.serverCode = init.serverCode;
    this.partial = init.partial;
    this.retryable = init.retryable ?? false;
  }
}

export function usageError(message: string): RelayError {
  return new RelayError(message, { code: 'usage', exitCode: EXIT.usage });
}

export function configError(problems: string[]): RelayError {
  const message = problems.length === 1
    ? `invalid configuration: ${problems[0]}`
    : `invalid configuration (${problems.length} problems):\n  ${problems.join('\n  ')}`;
  return new RelayError(message, { code: 'config', exitCode: EXIT.config });
}

export function interrupted(message = 'interrupted'): RelayError {
  return new RelayError(message, { code: 'interrupted', exitCode: EXIT.interrupted });
}

export function isRelayError(e: unknown): e is RelayError {
  return e instanceof RelayError;
}

/** A file relay writes could not be written (disk full, quota): one line naming it and the cause. */
export function writeFailed(path: string, e: unknown, advice = ''): RelayError {
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  const why = code === 'ENOSPC' ? 'no space left on the device' : code === 'EDQUOT' ? 'disk quota exceeded' : (e as Error).message;
  return new RelayError(`cannot write ${path}: ${why} (${code})${advice}`, { code: 'output', exitCode: EXIT.internal, cause: e });
}
