import { EXIT, RelayError } from './errors.js';
import { clip, printable } from './server-text.js';
import { isCertificateCode, type Failure } from './retry.js';

// Turns the last failed attempt into the one-line error the user reads (CONVENTIONS 3):
// what happened, where, and what to do next.

export interface FailureContext {
  failure: Failure;
  url: string;
  endpoint: string;
  apiKeyEnv: string;
  hasKey: boolean;
  model?: string;
  attempts: number;
  requestId?: string;
  partial?: string;
  timeoutMs: number;
  idleTimeoutMs: number;
  /** Why the retry policy stopped, e.g. "server asked to wait 600 s". */
  stopReason?: string;
  serverWaitMs?: number;
  /** --retry-unknown was given, so lost connections were retried. */
  retriedUnknown?: boolean;
  /** The request was streamed (messages say "stream" only then). */
  stream?: boolean;
  cause?: unknown;
}

function serverMessage(body: unknown): { message?: string; type?: string; code?: string } {
  if (body && typeof body === 'object') {
    const b = body as Record<string, any>;
    const err = b.error && typeof b.error === 'object' ? b.error : b;
    const message = typeof err.message === 'string' ? err.message : typeof b.error === 'string' ? b.error : undefined;
    return { message: message === undefined ? undefined : printable(message), type: typeof err.type === 'string' ? err.type : undefined, code: err.code != null ? String(err.code) : undefined };
  }
  if (typeof body === 'string' && body.trim()) return { message: clip(printable(body), 200) };
  return {};
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

export function failureToError(ctx: FailureContext): RelayError {
  const f = ctx.failure;
  const rid = ctx.requestId ? ` (request id ${ctx.requestId})` : '';
  const tries = ctx.attempts > 1 ? ` after ${ctx.attempts} attempts` : '';
  const base = { cause: ctx.cause, requestId: ctx.requestId, partial: ctx.partial };
  switch (f.kind) {
    case 'http': {
      const s = serverMessage(f.body);
      const said = s.message ? `: ${oneLine(s.message)}` : '';
      const init = { ...base, status: f.status, type: s.type, serverCode: s.code, retryAfter: ctx.serverWaitMs !== undefined ? ctx.serverWaitMs / 1000 : undefined };
      if (f.status === 401 || f.status === 403) {
        const what = ctx.hasKey
          ? `the key in ${ctx.apiKeyEnv} was refused; check it, or --base-url if this key belongs to another endpoint`
          : `no API key was sent (${ctx.apiKeyEnv} is not set); export ${ctx.apiKeyEnv} or name another variable with --api-key-env`;
        // The server's own words say whether it is the key or, say, one model the key may not use.
        const why = s.message ? ` ("${clip(oneLine(s.message), 200)}")` : '';
        return new RelayError(`${f.status} from ${ctx.endpoint} (${ctx.url})${why}: ${what}${rid}`, { ...init, code: 'auth', exitCode: EXIT.auth });
      }
      if (f.status === 404 && (s.code === 'model_not_found' || /model/i.test(s.message ?? ''))) {
        return new RelayError(`404 from ${ctx.url}: model "${ctx.model ?? '?'}" not found${said ? ` (${oneLine(s.message!)})` : ''}; run \`relay models\` to list what this endpoint serves${rid}`,
          { ...init, code: 'model_not_found', exitCode: EXIT.api });
      }
      if (f.status === 429) {
        const wait = ctx.serverWaitMs !== undefined ? `; server asked to wait ${Math.ceil(ctx.serverWaitMs / 1000)} s` : '';
        const hint = ctx.stopReason?.includes('quota') ? 'check the account\'s plan and billing'
          : ctx.serverWaitMs !== undefined && ctx.stopReason?.includes('server asked to wait') ? 'try again later, or let relay wait that long with --max-retry-wait SECONDS'
            : 'lower --rpm/--tpm or raise --retries';
        return new RelayError(`429 rate limited by ${ctx.endpoint}${tries}${wait}${said}; ${hint}${rid}`,
          { ...init, code: s.code === 'insufficient_quota' ? 'insufficient_quota' : '429', exitCode: EXIT.api, retryable: true });
      }
      return new RelayError(`${f.status} from ${ctx.url}${tries}${said}${rid}`,
        { ...init, code: String(f.status), exitCode: EXIT.api, retryable: f.status >= 500 || f.status === 408 });
    }
    case 'connect':
      if (isCertificateCode(f.code)) {
        const hint = f.code.includes('ALTNAME') ? 'the certificate does not name this host; check the host in --base-url'
          : /EXPIRED|NOT_YET_VALID/.test(f.code) ? 'the certificate is outside its validity dates; the server must renew it (or check this machine\'s clock)'
            : 'if the server uses a private or self-signed CA, point NODE_EXTRA_CA_CERTS at that CA\'s certificate file';
        return new RelayError(`cannot connect to ${ctx.url}: its TLS certificate was not accepted (${f.code})${tries}; ${hint}`,
          { ...base, code: 'connect', exitCode: EXIT.network, retryable: false });
      }
      if (f.code === 'EPROTO' && ctx.url.startsWith('https:')) {
        return new RelayError(`cannot connect to ${ctx.url}: the TLS handshake failed (EPROTO)${tries}; if the server speaks plain HTTP on that port, use http:// in the base URL`,
          { ...base, code: 'connect', exitCode: EXIT.network, retryable: true });
      }
      return new RelayError(`cannot connect to ${ctx.url} (${f.code})${tries}: is the URL right and the server running?`,
        { ...base, code: f.code === 'CONNECT_TIMEOUT' ? 'connect_timeout' : 'connect', exitCode: EXIT.network, retryable: true });
    case 'disconnect':
      if (f.code === 'malformed_http') {
        const https = ctx.url.startsWith('http:') ? ' (if it serves HTTPS on that port, use https:// in the base URL)' : '';
        return new RelayError(`${ctx.url} did not answer in HTTP/1.x${https}; the request may have reached it, so it was not retried${rid}`,
          { ...base, code: 'disconnect', exitCode: EXIT.network, retryable: false });
      }
    {
      // An HTTPS port hangs up on a plain-HTTP request without a word: a server that has never
      // answered, closing a new connection, gets the hint, or the user hunts a network fault.
      const https = f.unheard && ctx.url.startsWith('http:') ? `; ${ctx.url} has not answered at all: if it serves HTTPS on that port, use https:// in the base URL` : '';
      return new RelayError(ctx.retriedUnknown
        ? `connection to ${ctx.endpoint} lost after the request was sent (${f.code})${tries}; each attempt may have been billed${https}${rid}`
        : `connection to ${ctx.endpoint} lost after the request was sent (${f.code}); the request may have been billed, so it was not retried (--retry-unknown retries such requests)${https}${rid}`,
        { ...base, code: 'disconnect', exitCode: EXIT.network, retryable: false });
    }
    case 'timeout': {
      const msg = f.phase === 'idle'
        ? `stream idle for ${ctx.idleTimeoutMs / 1000} s (--idle-timeout) from ${ctx.endpoint}${tries}; partial output kept`
        : f.phase === 'headers'
          ? `no response from ${ctx.endpoint} within ${ctx.timeoutMs / 1000} s (--timeout)${tries}`
          : `reply from ${ctx.endpoint} not finished within ${ctx.timeoutMs / 1000} s (--timeout)${tries}; partial output kept`;
      return new RelayError(msg, { ...base, code: 'timeout', exitCode: EXIT.network, retryable: true });
    }
    case 'truncated':
      return new RelayError(ctx.stream === false
        ? `reply from ${ctx.endpoint} ended before it was complete (the JSON body was cut off)${tries}${rid}`
        : `stream from ${ctx.endpoint} ended before the reply was complete (no [DONE], no finish_reason)${tries}; partial output kept${rid}`,
        { ...base, code: 'truncated', exitCode: EXIT.network, retryable: true });
    case 'stream_error': {
      const e = f.error;
      const detail = [e.type, e.code].filter(Boolean).map((x) => printable(String(x))).join(', ');
      return new RelayError(`error inside the stream from ${ctx.endpoint}: ${printable(e.message)}${detail ? ` (${detail})` : ''}${tries}${rid}`,
        { ...base, code: e.code ?? e.type ?? 'stream_error', type: e.type, serverCode: e.code, exitCode: EXIT.api, retryable: e.type === 'server_error' || e.code === 'server_error' });
    }
  }
}
