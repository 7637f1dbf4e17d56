import { runAttempt, type AttemptOutcome } from './attempt.js';
import { endpointUrl, requestHead, requestText } from './http1-head.js';
import { Pools, type Pool } from './http1-pool.js';
import { EXIT, RelayError, interrupted } from './errors.js';
import { failureToError } from './failure-message.js';
import { parseRateLimitHeaders } from './ratelimit-headers.js';
import { DEFAULT_RETRY, decideRetry, serverWaitMs, sleep, type RetryPolicy } from './retry.js';
import { redactHeaders } from './redact.js';
import { completeUsage } from './usage-estimate.js';
import { normalizeUsage } from './usage.js';
import { SIM_MARKER } from './sim-marker.js';
import type { ChatRequest, ChatResult, StreamDelta, Usage } from './types.js';

export interface Endpoint {
  name: string;
  baseUrl: string;
  apiKey?: string;
  /** Variable the key came from; named in auth errors, never the key itself. */
  apiKeyEnv?: string;
  headers?: Record<string, string>;
  models?: Record<string, string>;
  region?: string;
  via?: 'direct' | 'relay';
  simulated?: boolean;
}

export interface ClientOptions {
  endpoint: Endpoint;
  /** Whole-attempt deadline: the only one (no separate header or body timeouts). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  /** Longest silence inside a reply body; 0 = off. */
  idleTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Send stream_options.include_usage with streamed requests (default true). */
  includeUsage?: boolean;
  /** Connection pools to use (and leave open on close); default: the client's own. */
  pools?: Pools;
  userAgent?: string;
  debug?: (line: string) => void;
}

export interface RetryInfo { attempt: number; delayMs: number; reason: string; status?: number; failover?: string }

export interface ChatCallOptions {
  stream?: boolean;
  signal?: AbortSignal;
  /** Ends retry waits only (default: `signal`). Batch stops waiting lines on Ctrl-C but lets sent ones finish. */
  waitSignal?: AbortSignal;
  onDelta?: (d: StreamDelta, atMs: number) => void;
  onRetry?: (info: RetryInfo) => void;
  /** Keep the arrival time of every content chunk (bench). */
  recordChunks?: boolean;
  /** Override the client's retry count for this call. */
  retries?: number;
  /** Awaited before every attempt, retries and failovers included (batch: rate-limit admission); may return nothing when there is nothing to wait for. */
  beforeAttempt?: (attempt: number) => Promise<void> | void;
  /** Sees every attempt's raw outcome: status, headers, failure (batch: limits, attempt log). */
  onAttempt?: (out: AttemptOutcome, endpoint: string) => void;
}

/** The body actually sent: model renamed for the endpoint, stream options added (or dropped). */
export function wireBody(req: ChatRequest, stream: boolean, includeUsage: boolean, models?: Record<string, string>): ChatRequest {
  const body: ChatRequest = { ...req, model: models?.[req.model] ?? req.model, stream };
  if (stream && includeUsage && body.stream_options === undefined) body.stream_options = { include_usage: true };
  if (!stream) delete body.stream_options;
  return body;
}

export class RelayClient {
  readonly endpoint: Endpoint;
  private readonly pools: Pools;
  private readonly ownsPools: boolean;
  private readonly pool: Pool;
  private readonly connectTimeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly includeUsage: boolean;
  private readonly baseHeaders: Record<string, string>;

  constructor(private readonly opts: ClientOptions) {
    this.endpoint = { ...opts.endpoint, baseUrl: opts.endpoint.baseUrl.replace(/\/+$/, '') };
    this.timeoutMs = opts.timeoutMs ?? 600_000;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 0;
    this.includeUsage = opts.includeUsage ?? true;
    this.policy = { ...DEFAULT_RETRY, ...opts.retry };
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.ownsPools = !opts.pools;
    this.pools = opts.pools ?? new Pools();
    this.chatUrl = endpointUrl(this.endpoint.baseUrl, '/chat/completions');
    if (this.chatUrl.protocol !== 'http:' && this.chatUrl.protocol !== 'https:') throw new Error(`unsupported URL scheme ${this.chatUrl.protocol}`);
    this.pool = this.pools.get(this.chatUrl);
    this.baseHeaders = {
      'content-type': 'application/json',
      'user-agent': opts.userAgent ?? 'relay',
      ...(this.endpoint.apiKey ? { authorization: `Bearer ${this.endpoint.apiKey}` } : {}),
      ...lowerKeys(this.endpoint.headers ?? {}),
    };
    this.streamHeaders = { ...this.baseHeaders, accept: 'text/event-stream' };
    this.jsonHeaders = { ...this.baseHeaders, accept: 'application/json' };
    this.streamHead = requestHead('POST', this.chatUrl, this.streamHeaders);
    this.jsonHead = requestHead('POST', this.chatUrl, this.jsonHeaders);
  }

  private readonly chatUrl: URL;
  private readonly streamHead: string;
  private readonly jsonHead: string;
  private readonly streamHeaders: Record<string, string>;
  private readonly jsonHeaders: Record<string, string>;

  url(path: string): URL {
    return endpointUrl(this.endpoint.baseUrl, path);
  }

  /** The body actually sent: model renamed for this endpoint, stream options added. */
  wireBody(req: ChatRequest, stream: boolean): ChatRequest {
    return wireBody(req, stream, this.includeUsage, this.endpoint.models);
  }

  /** wireBody as JSON text; a request with nothing to rename or replace is not copied first. */
  wireJson(req: ChatRequest, stream: boolean): string {
    if (req.stream !== undefined || req.stream_options !== undefined || this.endpoint.models?.[req.model] !== undefined) {
      return JSON.stringify(this.wireBody(req, stream));
    }
    const json = JSON.stringify(req);
    const tail = !stream ? ',"stream":false}' : this.includeUsage ? ',"stream":true,"stream_options":{"include_usage":true}}' : ',"stream":true}';
    return json === '{}' ? `{${tail.slice(1)}` : json.slice(0, -1) + tail;
  }

  /** One attempt, no retry: chat() and the router drive their own loops around it. */
  attempt(req: ChatRequest, call: ChatCallOptions = {}): Promise<AttemptOutcome> {
    const stream = call.stream ?? req.stream ?? true;
    const headers = stream ? this.streamHeaders : this.jsonHeaders;
    const json = this.wireJson(req, stream);
    this.opts.debug?.(`POST ${this.chatUrl} ${JSON.stringify(redactHeaders(headers))} ${json.length} bytes`);
    const done = runAttempt({
      pool: this.pool, request: requestText(stream ? this.streamHead : this.jsonHead, json), stream, signal: call.signal,
      timeoutMs: this.timeoutMs, idleTimeoutMs: this.idleTimeoutMs, connectTimeoutMs: this.connectTimeoutMs,
      onDelta: call.onDelta, recordChunks: call.recordChunks,
    });
    const debug = this.opts.debug;
    if (!debug) return done;
    return done.then((out) => {
      debug(`<- ${out.status || '-'} ${out.failure ? out.failure.kind : 'ok'} ${JSON.stringify(redactHeaders(out.headers))}`);
      return out;
    });
  }

  get retryPolicy(): RetryPolicy {
    return this.policy;
  }

  async chat(req: ChatRequest, call: ChatCallOptions = {}): Promise<ChatResult> {
    const policy = call.retries === undefined || call.retries === this.policy.retries ? this.policy : { ...this.policy, retries: call.retries };
    let attempts = 0;
    for (;;) {
      attempts++;
      const admitted = call.beforeAttempt?.(attempts);
      if (admitted) await admitted;
      const out = await this.attempt(req, call);
      call.onAttempt?.(out, this.endpoint.name);
      if (out.ok) return this.toResult(out, req, attempts);
      if (out.aborted || call.signal?.aborted) throw this.interruptedError(out, attempts);
      const decision = decideRetry(out.failure!, { retriesDone: attempts - 1, deliveredToUser: out.deliveredToUser }, policy);
      if (!decision.retry) throw this.toError(out, req, attempts, decision.reason, decision.serverWaitMs);
      call.onRetry?.({ attempt: attempts, delayMs: decision.delayMs, reason: decision.reason, status: out.status || undefined });
      this.opts.debug?.(`retry ${attempts}/${policy.retries} in ${Math.round(decision.delayMs)} ms: ${decision.reason}`);
      await waitToRetry(decision.delayMs, call.waitSignal ?? call.signal, attempts, policy.retries + 1);
    }
  }

  /** The endpoint answered GET /models with relay sim's marker header: its figures are simulated. */
  simulated = false;

  /** GET /models: the ids the endpoint serves. */
  async models(signal?: AbortSignal): Promise<Array<{ id: string; owned_by?: string }>> {
    const url = this.url('/models');
    const out = await runAttempt({
      pool: this.pools.get(url), request: requestText(requestHead('GET', url, { ...this.baseHeaders, accept: 'application/json' }), ''),
      stream: false, rawBody: true, signal, timeoutMs: this.timeoutMs, idleTimeoutMs: this.idleTimeoutMs, connectTimeoutMs: this.connectTimeoutMs,
    });
    if (out.aborted) throw interrupted('interrupted');
    if (out.headers[SIM_MARKER] !== undefined) this.simulated = true;
    if (!out.ok) {
      const failure = out.failure!.kind === 'http' ? { ...out.failure!, headers: {} } : out.failure!;
      throw failureToError({ failure, url: String(url), endpoint: this.endpoint.name,
        apiKeyEnv: this.endpoint.apiKeyEnv ?? 'RELAY_API_KEY', hasKey: !!this.endpoint.apiKey, attempts: 1,
        timeoutMs: this.timeoutMs, idleTimeoutMs: this.idleTimeoutMs, cause: out.cause, stream: false });
    }
    const body = out.body as any;
    const list = Array.isArray(body?.data) ? body.data : Array.isArray(body?.models) ? body.models : [];
    return list.filter((m: any) => m && typeof m.id === 'string').map((m: any) => ({ id: m.id, owned_by: m.owned_by }));
  }

  async close(): Promise<void> {
    if (this.ownsPools) this.pools.close();
  }

  toResult(out: AttemptOutcome, req: ChatRequest, attempts: number): Promise<ChatResult> {
    const usage = normalizeUsage(out.state!.usage);
    // The tokenizer (an await and a lazy import) only when the server sent no usage.
    if (!usage) return completeUsage(out.state!, req).then((estimated) => this.result(out, attempts, estimated));
    return Promise.resolve(this.result(out, attempts, usage));
  }

  private result(out: AttemptOutcome, attempts: number, usage: Usage): ChatResult {
    const s = out.state!;
    const h = out.headers;
    const sse = h['content-type']?.includes('text/event-stream');
    return {
      id: s.id, model: s.model, created: s.created, content: s.content, reasoning: s.reasoning, toolCalls: s.toolCalls,
      finishReason: s.finishReason, usage: s.usage, sawDone: s.sawDone, error: s.error,
      complete: true,
      normalizedUsage: usage,
      status: out.status,
      requestId: h['x-request-id'] ?? h['request-id'] ?? s.id,
      endpoint: this.endpoint.name,
      attempts,
      timings: out.timings,
      rateLimit: hasRateLimitHeaders(h) ? parseRateLimitHeaders(h) : undefined,
      warnings: !s.sawDone && sse ? ['stream ended without [DONE] (finish_reason was sent, so the reply is complete)'] : [],
      simulated: h[SIM_MARKER] !== undefined,
      streamed: sse === true,
    };
  }

  toError(out: AttemptOutcome, req: ChatRequest, attempts: number, stopReason: string, waitMs?: number): RelayError {
    const err = failureToError({
      failure: out.failure!, url: String(this.url('/chat/completions')), endpoint: this.endpoint.name,
      apiKeyEnv: this.endpoint.apiKeyEnv ?? 'RELAY_API_KEY', hasKey: !!this.endpoint.apiKey, model: req.model, attempts,
      requestId: out.headers['x-request-id'], partial: out.state?.content, timeoutMs: this.timeoutMs, idleTimeoutMs: this.idleTimeoutMs,
      stopReason, serverWaitMs: waitMs ?? (out.failure?.kind === 'http' ? serverWaitMs(out.headers) : undefined), cause: out.cause,
      retriedUnknown: this.policy.retryUnknownOutcome, stream: out.headers['content-type']?.includes('text/event-stream') ?? undefined,
    });
    return Object.assign(err, { attempts, state: out.state, rateLimit: out.status ? parseRateLimitHeaders(out.headers) : undefined });
  }

  interruptedError(out: AttemptOutcome, attempts: number): RelayError {
    const err = new RelayError('interrupted', { code: 'interrupted', exitCode: EXIT.interrupted, partial: out.state?.content });
    return Object.assign(err, { attempts, state: out.state, timings: out.timings });
  }
}

/** Sleep before a retry; Ctrl-C ends the wait at once (R22). */
export async function waitToRetry(ms: number, signal: AbortSignal | undefined, attempt: number, of: number): Promise<void> {
  try {
    await sleep(ms, signal);
  } catch {
    throw Object.assign(interrupted(`interrupted while waiting to retry (attempt ${attempt} of ${of})`), { attempts: attempt });
  }
}

function hasRateLimitHeaders(h: Record<string, string>): boolean {
  for (const k in h) if (k.startsWith('x-ratelimit-') || k.startsWith('anthropic-ratelimit-')) return true;
  return false;
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
