import { performance } from 'node:perf_hooks';
import { assembleCompletion } from '../core/assemble.js';
import { endpointUrl, requestHead } from '../core/http1-head.js';
import { createStreamReader, isComplete, type StreamReader } from '../core/stream-reader.js';
import type { Assembled, ChatRequest } from '../core/types.js';
import { normalizeUsage } from '../core/usage.js';
import type { Exchange, ExchangeEvents, Pool, Pools } from '../core/http1-pool.js';
import { unwatch, watch, watched, type Expiry, type Watched } from '../core/http1-watch.js';
import { SIM_HEADER, type Outcome, type Send } from './send.js';

// The load driver's request: pre-built bytes on a shared keep-alive connection, the reply read
// with the core's SSE reader and assembler, so a bench request is judged exactly as relay chat
// would judge it (truncated, stream error, finish reason), at a fraction of the cost per request
// of a general-purpose client. One attempt, never retried.

export interface RawEndpoint {
  baseUrl: string;
  apiKey?: string;
  headers: Record<string, string>;
  models?: Record<string, string>;
}

export interface RawOptions {
  stream: boolean;
  includeUsage: boolean;
  /** Whole-request deadline, idle gap inside a reply (0 = off), and connect deadline. */
  timeoutMs: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  userAgent: string;
  pools: Pools;
  signal?: AbortSignal;
}

const MAX_ERROR_BODY = 1 << 20;
const RESET = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'reset']);


function abortAll(ctx: CallContext): void {
  for (const f of watched()) if (f instanceof Call && f.ctx === ctx) f.exchange.abort('aborted');
}

export function rawSender(endpoint: RawEndpoint, o: RawOptions): Send {
  const url = endpointUrl(endpoint.baseUrl, '/chat/completions');
  const pool = o.pools.get(url);
  const head = requestHead('POST', url, {
    'content-type': 'application/json', accept: o.stream ? 'text/event-stream' : 'application/json', 'user-agent': o.userAgent,
    ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
    ...endpoint.headers,
  });
  const bytes = new WeakMap<ChatRequest, Buffer>();

  const encode = (req: ChatRequest): Buffer => {
    let b = bytes.get(req);
    if (!b) {
      const body: ChatRequest = { ...req, model: endpoint.models?.[req.model] ?? req.model, stream: o.stream };
      if (o.stream && o.includeUsage && body.stream_options === undefined) body.stream_options = { include_usage: true };
      if (!o.stream) delete body.stream_options;
      const json = Buffer.from(JSON.stringify(body), 'utf8');
      b = Buffer.concat([Buffer.from(`${head}content-length: ${json.length}\r\n\r\n`, 'utf8'), json]);
      bytes.set(req, b);
    }
    return b;
  };

  const ctx: CallContext = { pool, timeoutMs: o.timeoutMs, idleMs: o.idleTimeoutMs, connectMs: o.connectTimeoutMs, stream: o.stream };
  o.signal?.addEventListener('abort', () => abortAll(ctx), { once: true });
  return (req) => new Promise<Outcome>((resolve) => {
    const request = encode(req);
    if (o.signal?.aborted) return resolve({ ok: false, status: 0, code: 'aborted', start: performance.now() });
    new Call(ctx, request, resolve);
  });
}

interface CallContext {
  pool: Pool;
  timeoutMs: number;
  idleMs: number;
  connectMs: number;
  stream: boolean;
}

/** One request in flight: its own listener for the exchange (a class, so no closures per request). */
class Call implements ExchangeEvents, Watched {
  start = performance.now();
  last: number;
  timeoutMs: number;
  idleMs: number;
  readonly connectMs: number;
  readonly exchange: Exchange;
  prev: Watched | undefined;
  next: Watched | undefined;
  private readonly out: Outcome;
  private reader: StreamReader | undefined;
  private parts: Buffer[] | undefined;
  private size = 0;
  private settled = false;

  constructor(readonly ctx: CallContext, request: Buffer, private readonly resolve: (o: Outcome) => void) {
    this.last = this.start;
    this.timeoutMs = ctx.timeoutMs;
    this.idleMs = ctx.idleMs;
    this.connectMs = ctx.connectMs;
    this.out = { ok: false, status: 0, start: this.start };
    this.exchange = ctx.pool.send(request, this);
    watch(this);
  }

  get connecting(): boolean {
    return this.exchange.connecting;
  }

  /** Service time runs from the write, not from a wait for a connection that was about to be free. */
  onSent(): void {
    this.start = this.last = performance.now();
    this.out.start = this.start;
  }

  expire(why: Expiry): void {
    this.exchange.abort(why === 'connect' ? 'CONNECT_TIMEOUT' : 'timeout');
  }

  onHead(status: number, headers: Record<string, string>): void {
    const now = performance.now();
    const out = this.out;
    this.last = now;
    out.ttfb = now - this.start;
    out.status = status;
    out.simulated = headers[SIM_HEADER] !== undefined;
    if (status >= 200 && status < 300 && this.ctx.stream && (headers['content-type'] ?? '').includes('text/event-stream')) {
      const chunks: number[] = [];
      const start = this.start;
      out.chunks = chunks;
      this.reader = createStreamReader({
        onDelta: (d) => {
          if (d.kind === 'tool_call') return;
          const at = performance.now() - start;
          out.ttft ??= at;
          chunks.push(at);
        },
      });
    } else {
      this.parts = [];
    }
  }

  onBody(chunk: Buffer): void {
    this.last = performance.now();
    const reader = this.reader;
    if (reader) {
      reader.push(chunk);
      // [DONE] or an error event ends the reply; the rest of the body only keeps the connection usable.
      if (reader.stopped && !this.settled) {
        this.settle(reader.end());
        // A server that keeps the body open after [DONE] gets a second to end it, then loses the connection.
        this.timeoutMs = this.last - this.start + 1000;
        this.idleMs = 0;
      }
    } else if (this.size < MAX_ERROR_BODY || this.out.status < 300) {
      this.parts!.push(chunk);
      this.size += chunk.length;
    }
  }

  onEnd(): void {
    this.over();
    if (this.reader) {
      if (!this.settled) this.settle(this.reader.end());
      return;
    }
    const status = this.out.status;
    if (status < 200 || status >= 300) return this.settle(undefined, String(status));
    const parts = this.parts!;
    const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return this.settle(undefined, 'truncated'); // a JSON reply cut short
    }
    this.out.ttft = performance.now() - this.start;
    // The usual reply (a finish_reason, usage, no error) needs no assembling; anything else goes
    // through the core's assembler, which knows every shape servers send.
    const b = body as { error?: unknown; type?: unknown; choices?: Array<{ index?: unknown; finish_reason?: unknown }>; usage?: unknown } | null;
    const c0 = Array.isArray(b?.choices) ? b!.choices[0] : undefined;
    if (b && !Array.isArray(b) && b.error === undefined && b.type !== 'error' && c0 && (c0.index === 0 || c0.index === undefined)
      && typeof c0.finish_reason === 'string' && c0.finish_reason !== '') {
      const usage = normalizeUsage(b.usage);
      if (usage) {
        this.settled = true;
        this.out.e2e ??= this.out.ttft;
        this.out.ok = true;
        this.out.outputTokens = usage.completionTokens;
        return this.resolve(this.out);
      }
    }
    this.settle(assembleCompletion(body));
  }

  onError(code: string): void {
    this.over();
    if (this.reader && !this.settled) this.reader.end();
    this.settle(undefined, RESET.has(code) ? 'reset' : code);
  }

  /** The exchange is watched until its connection is free again, even after the reply settled. */
  private over(): void {
    unwatch(this);
  }

  private settle(state?: Assembled, code?: string): void {
    if (this.settled) return;
    this.settled = true;
    const out = this.out;
    out.e2e ??= performance.now() - this.start;
    if (code) out.code = code;
    else if (state?.error) out.code = 'stream_error';
    else if (state && !isComplete(state)) out.code = 'truncated';
    else if (state) {
      out.ok = true;
      const usage = normalizeUsage(state.usage);
      if (usage) {
        out.outputTokens = usage.completionTokens;
        return this.resolve(out);
      }
      out.tokensEstimated = true;
      return void import('../core/tokens.js').then(({ countTokens }) => countTokens(state.content + state.reasoning)).then(
        (n) => this.resolve({ ...out, outputTokens: n }), () => this.resolve(out));
    }
    this.resolve(out);
  }
}
