import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { assembleCompletion } from './assemble.js';
import { createStreamReader, isComplete, type StreamReader } from './stream-reader.js';
import type { Failure } from './retry.js';
import type { Assembled, StreamDelta, Timings } from './types.js';

// One HTTP attempt: send, read, classify. No retries here (client.ts decides), no printing.

export interface AttemptInput {
  dispatcher: Dispatcher;
  /** `http://host:port` and `/v1/chat/completions`, split once per client, not per request. */
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
  signal?: AbortSignal;
  timeoutMs: number;
  idleTimeoutMs: number;
  onDelta?: (d: StreamDelta, atMs: number) => void;
  recordChunks?: boolean;
}

export interface AttemptOutcome {
  ok: boolean;
  failure?: Failure;
  status: number;
  headers: Record<string, string>;
  state?: Assembled;
  /** Raw error body (non-2xx), for messages. */
  errorBody?: unknown;
  /** The parsed JSON of a non-streamed 2xx reply, all choices included (batch writes it out as is). */
  body?: unknown;
  deliveredToUser: boolean;
  /** True when the caller's signal ended the attempt (Ctrl-C), not a timeout. */
  aborted: boolean;
  timings: Timings;
  cause?: unknown;
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'EADDRNOTAVAIL',
]);
const MAX_ERROR_BODY = 1 << 20;

type TimeoutPhase = 'headers' | 'idle' | 'total';
class AttemptTimeout extends Error {
  constructor(readonly phase: TimeoutPhase) { super(`timeout (${phase})`); }
}

export function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function errorCode(e: unknown): string {
  let cur: any = e;
  for (let i = 0; i < 4 && cur; i++) {
    if (typeof cur.code === 'string' && cur.code !== 'UND_ERR_ABORTED') return cur.code;
    cur = cur.cause;
  }
  return (e as Error)?.name ?? 'UNKNOWN';
}

async function readWhole(body: Dispatcher.ResponseData['body']): Promise<unknown> {
  const text = await body.text();
  try { return JSON.parse(text); } catch { return text; }
}

/** Error bodies are kept to 1 MiB: enough for any message, bounded against a hostile server. */
async function readBounded(body: Dispatcher.ResponseData['body']): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < MAX_ERROR_BODY) parts.push(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const text = Buffer.concat(parts).toString('utf8');
  try { return JSON.parse(text); } catch { return text; }
}

export async function runAttempt(input: AttemptInput): Promise<AttemptOutcome> {
  const controller = new AbortController();
  const timings: Timings = { start: performance.now() };
  const out: AttemptOutcome = { ok: false, status: 0, headers: {}, deliveredToUser: false, aborted: false, timings };
  const onUserAbort = () => controller.abort(input.signal?.reason);
  if (input.signal?.aborted) onUserAbort();
  input.signal?.addEventListener('abort', onUserAbort, { once: true });
  const total = setTimeout(() => controller.abort(new AttemptTimeout(out.status ? 'total' : 'headers')), input.timeoutMs);
  let idle: NodeJS.Timeout | undefined;
  let reader: StreamReader | undefined;
  const t0 = timings.start;
  try {
    const res = await input.dispatcher.request({
      origin: input.origin,
      path: input.path,
      method: 'POST',
      headers: input.headers,
      body: input.body,
      signal: controller.signal,
    });
    timings.ttfb = performance.now() - t0;
    out.status = res.statusCode;
    out.headers = flatHeaders(res.headers);
    if (input.idleTimeoutMs > 0) idle = setTimeout(() => controller.abort(new AttemptTimeout('idle')), input.idleTimeoutMs);
    if (res.statusCode < 200 || res.statusCode >= 300) {
      out.errorBody = await readBounded(res.body);
      out.failure = { kind: 'http', status: res.statusCode, headers: out.headers, body: out.errorBody };
      return out;
    }
    const isSse = (out.headers['content-type'] ?? '').includes('text/event-stream');
    let state: Assembled;
    if (input.stream && isSse) {
      const chunks: number[] | undefined = input.recordChunks ? [] : undefined;
      timings.chunks = chunks;
      reader = createStreamReader({
        onDelta: (d: StreamDelta) => {
          const at = performance.now() - t0;
          if (d.kind !== 'tool_call') {
            if (timings.ttft === undefined) timings.ttft = at;
            chunks?.push(at);
            out.deliveredToUser = true;
          }
          input.onDelta?.(d, at);
        },
      });
      for await (const chunk of res.body) {
        idle?.refresh();
        reader.push(chunk as Buffer);
        if (reader.stopped) break; // leaving the loop destroys the body: we stop reading after [DONE] or an error
      }
      state = reader.end();
    } else {
      // A server may ignore `stream: true` and answer with one JSON document. A reply is read
      // whole (no cap: a long answer is not an error); a cut body fails to parse and is truncated.
      const body = await readWhole(res.body);
      if (typeof body === 'string') {
        out.state = undefined;
        out.failure = { kind: 'truncated' };
        timings.e2e = performance.now() - t0;
        return out;
      }
      out.body = body;
      const whole = assembleCompletion(body);
      state = whole;
      timings.ttft = performance.now() - t0;
      if (whole.content || whole.reasoning) {
        if (whole.reasoning) input.onDelta?.({ kind: 'reasoning', text: whole.reasoning }, timings.ttft);
        if (whole.content) input.onDelta?.({ kind: 'content', text: whole.content }, timings.ttft);
        out.deliveredToUser = true;
      }
    }
    timings.e2e = performance.now() - t0;
    out.state = state;
    if (state.error) out.failure = { kind: 'stream_error', error: state.error };
    else if (!isComplete(state)) out.failure = { kind: 'truncated' };
    else out.ok = true;
    return out;
  } catch (e) {
    timings.e2e = performance.now() - t0;
    out.cause = e;
    if (reader) out.state = reader.state; // keep what arrived before the failure
    const reason = controller.signal.aborted ? controller.signal.reason : undefined;
    if (reason instanceof AttemptTimeout) out.failure = { kind: 'timeout', phase: reason.phase };
    else if (controller.signal.aborted) { out.aborted = true; out.failure = { kind: 'disconnect', code: 'ABORTED' }; }
    else {
      const code = errorCode(e);
      // TLS handshake failures happen before a byte of the request is sent: safe to retry.
      const beforeSend = CONNECT_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.includes('CERT');
      out.failure = beforeSend ? { kind: 'connect', code } : { kind: 'disconnect', code };
    }
    return out;
  } finally {
    clearTimeout(total);
    if (idle) clearTimeout(idle);
    input.signal?.removeEventListener('abort', onUserAbort);
  }
}
