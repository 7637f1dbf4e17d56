import { performance } from 'node:perf_hooks';
import { assembleCompletion } from './assemble.js';
import type { Exchange, ExchangeEvents, Pool } from './http1-pool.js';
import { unwatch, watch, watched, type Expiry, type Watched } from './http1-watch.js';
import { createStreamReader, isComplete, type StreamReader } from './stream-reader.js';
import type { Failure } from './retry.js';
import type { Assembled, StreamDelta, Timings } from './types.js';
import { readTime } from './read-clock.js';

// One HTTP attempt: send, read, classify. No retries here (client.ts decides), no printing.
// It runs on the HTTP/1.1 pool (http1-pool.ts) as an event listener: no stream objects, no
// AbortController and no timer per request, which at batch rates cost more than the request.

export interface AttemptInput {
  pool: Pool;
  /** The request as written: head, content-length and body (http1-head.ts). */
  request: string;
  stream: boolean;
  signal?: AbortSignal;
  timeoutMs: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  onDelta?: (d: StreamDelta, atMs: number) => void;
  recordChunks?: boolean;
  /** Keep a 2xx body as parsed JSON without judging it as a chat completion (GET /models). */
  rawBody?: boolean;
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
  /** That reply's text as it came, so it can be written out without serialising it again. */
  bodyText?: string;
  deliveredToUser: boolean;
  /** True when the caller's signal ended the attempt (Ctrl-C), not a timeout. */
  aborted: boolean;
  timings: Timings;
  cause?: unknown;
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'CONNECT_TIMEOUT', 'EADDRNOTAVAIL',
]);
const MAX_ERROR_BODY = 1 << 20;
/** A server that keeps the body open after [DONE] gets this long to end it, then loses the connection. */
const AFTER_DONE_MS = 1000;
/** Codes of our own aborts, told apart from socket errors in onError. */
const TIMEOUT = 'relay:timeout';
const ABORTED = 'relay:aborted';
const CALLBACK = 'relay:callback';

// Attempts listen to their caller's signal through one listener per signal (batch shares one
// signal among all its lines): on abort, the requests in flight that carry it are found by
// walking the in-flight list. A Set of members per signal rehashed as it grew and shrank, which
// the garbage collector paid for on every request.
const followed = new WeakSet<AbortSignal>();

function follow(signal: AbortSignal): void {
  if (followed.has(signal)) return;
  followed.add(signal);
  signal.addEventListener('abort', () => {
    for (const w of watched()) if (w instanceof Attempt && w.signal === signal) w.abortByCaller();
  }, { once: true });
}

export function runAttempt(input: AttemptInput): Promise<AttemptOutcome> {
  return new Promise((resolve) => new Attempt(input, resolve));
}

class Attempt implements ExchangeEvents, Watched {
  start = performance.now();
  last: number;
  timeoutMs: number;
  idleMs: number;
  readonly connectMs: number;
  prev: Watched | undefined;
  next: Watched | undefined;
  private readonly out: AttemptOutcome;
  private readonly exchange: Exchange | undefined;
  private reader: StreamReader | undefined;
  private parts: Buffer[] | undefined;
  private size = 0;
  private settled = false;
  private expired: Expiry | undefined;
  private thrown: unknown;

  constructor(private readonly input: AttemptInput, private readonly resolve: (o: AttemptOutcome) => void) {
    this.last = this.start;
    this.timeoutMs = input.timeoutMs;
    this.idleMs = 0; // the idle clock starts with the response headers
    this.connectMs = input.connectTimeoutMs;
    this.out = { ok: false, status: 0, headers: {}, deliveredToUser: false, aborted: false, timings: { start: this.start } };
    if (input.signal?.aborted) {
      this.aborted();
      return;
    }
    this.exchange = input.pool.send(input.request, this);
    watch(this);
    if (input.signal) follow(input.signal);
  }

  get signal(): AbortSignal | undefined {
    return this.input.signal;
  }

  abortByCaller(): void {
    this.exchange?.abort(ABORTED);
  }

  get connecting(): boolean {
    return this.exchange?.connecting ?? false;
  }

  /** Times run from the write, not from a wait for a connection that was about to be free. */
  onSent(): void {
    this.start = this.last = performance.now();
    this.out.timings.start = this.start;
  }

  expire(why: Expiry): void {
    this.expired = why;
    this.exchange?.abort(why === 'connect' ? 'CONNECT_TIMEOUT' : TIMEOUT);
  }

  onHead(status: number, headers: Record<string, string>): void {
    const now = readTime(this.start);
    this.last = now;
    this.idleMs = this.input.idleTimeoutMs;
    const out = this.out;
    out.timings.ttfb = now - this.start;
    out.status = status;
    out.headers = headers;
    // A server may stream although asked not to (a proxy that forces it): read what it sent.
    if (status >= 200 && status < 300 && (this.input.stream || !this.input.rawBody) && (headers['content-type'] ?? '').includes('text/event-stream')) {
      const chunks: number[] | undefined = this.input.recordChunks ? [] : undefined;
      const timings = out.timings;
      timings.chunks = chunks;
      const onDelta = this.input.onDelta;
      this.reader = createStreamReader({
        onDelta: (d: StreamDelta) => {
          // When the bytes were read (onBody), not after decoding and parsing what came before
          // in the same read: every event of one read arrived by then.
          const at = this.last - this.start;
          if (d.kind !== 'tool_call') {
            if (timings.ttft === undefined) timings.ttft = at;
            chunks?.push(at);
            out.deliveredToUser = true;
          }
          onDelta?.(d, at);
        },
      });
    } else {
      this.parts = [];
    }
  }

  onBody(chunk: Buffer, laterInRead = false): void {
    // Bytes after the first of a read may have arrived after the batch's time (read-clock.ts).
    this.last = laterInRead ? performance.now() : readTime(this.start);
    const reader = this.reader;
    if (reader) {
      if (this.settled) return; // after [DONE]: read only to keep the connection usable
      try {
        reader.push(chunk);
      } catch (e) {
        this.thrown = e; // a listener of ours threw (onDelta): the attempt ends with it as the cause
        this.exchange?.abort(CALLBACK);
        return;
      }
      if (reader.stopped) {
        this.out.timings.e2e = this.last - this.start; // the read that held [DONE]
        this.finish(reader.end());
        this.timeoutMs = this.last - this.start + AFTER_DONE_MS;
        this.idleMs = 0;
      }
    } else if (this.size < MAX_ERROR_BODY || (this.out.status >= 200 && this.out.status < 300)) {
      // Error bodies are kept to 1 MiB: enough for any message, bounded against a hostile server.
      // A copy: the chunk is a view of the pool's read buffer, reused by the next read.
      this.parts!.push(Buffer.from(chunk));
      this.size += chunk.length;
    }
  }

  onEnd(): void {
    this.over();
    if (this.settled) return;
    const out = this.out;
    out.timings.e2e ??= this.last - this.start; // the read of the last byte, not the parsing after it
    if (this.reader) return this.finish(this.reader.end());
    const parts = this.parts!;
    const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8');
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* kept as text */ }
    if (out.status < 200 || out.status >= 300) {
      out.errorBody = body;
      out.failure = { kind: 'http', status: out.status, headers: out.headers, body };
      return this.settle();
    }
    // A server may ignore `stream: true` and answer with one JSON document. A reply is read whole
    // (no cap: a long answer is not an error); a body that does not parse was cut short.
    if (typeof body === 'string') {
      out.failure = { kind: 'truncated' };
      return this.settle();
    }
    out.body = body;
    out.bodyText = text;
    const at = out.timings.e2e;
    out.timings.ttft = at;
    if (this.input.rawBody) {
      out.ok = true;
      return this.settle();
    }
    const whole = assembleCompletion(body);
    if (whole.content || whole.reasoning) {
      try {
        if (whole.reasoning) this.input.onDelta?.({ kind: 'reasoning', text: whole.reasoning }, at);
        if (whole.content) this.input.onDelta?.({ kind: 'content', text: whole.content }, at);
      } catch (e) {
        out.cause = e;
        out.failure = { kind: 'disconnect', code: CALLBACK };
        return this.settle();
      }
      out.deliveredToUser = true;
    }
    this.finish(whole);
  }

  onError(code: string, unheard = false): void {
    this.over();
    if (this.settled) return;
    const out = this.out;
    if (this.reader) out.state = this.reader.state; // keep what arrived before the failure
    if (code === TIMEOUT) out.failure = { kind: 'timeout', phase: this.expired === 'idle' ? 'idle' : out.status ? 'total' : 'headers' };
    else if (code === ABORTED) this.aborted();
    else if (code === CALLBACK) {
      out.cause = this.thrown;
      out.failure = { kind: 'disconnect', code: (this.thrown as NodeJS.ErrnoException)?.code ?? 'ERROR' };
    } else {
      const name = code === 'reset' ? 'ECONNRESET' : code;
      out.cause = Object.assign(new Error(`socket: ${name}`), { code: name });
      // Nothing was sent while the connection was still opening (TLS handshakes included) or
      // while the write waited for a batch of reads to end.
      const beforeSend = (this.exchange?.unsent ?? false) || CONNECT_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code.includes('CERT');
      out.failure = beforeSend ? { kind: 'connect', code: name } : { kind: 'disconnect', code: name, ...(unheard ? { unheard: true } : {}) };
    }
    this.settle();
  }

  /** The caller's signal ended it (Ctrl-C), before or after it was sent. */
  private aborted(): void {
    this.out.aborted = true;
    this.out.failure = { kind: 'disconnect', code: 'ABORTED' };
    this.settle();
  }

  /** The exchange is watched until its connection is free again, even after the reply settled. */
  private over(): void {
    unwatch(this);
  }

  private finish(state: Assembled): void {
    const out = this.out;
    out.state = state;
    if (state.error) out.failure = { kind: 'stream_error', error: state.error };
    else if (!isComplete(state)) out.failure = { kind: 'truncated' };
    else out.ok = true;
    this.settle();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    this.out.timings.e2e ??= performance.now() - this.start;
    this.resolve(this.out);
  }
}
