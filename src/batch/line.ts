import type { AttemptOutcome } from '../core/attempt.js';
import type { ChatCallOptions, RetryInfo } from '../core/client.js';
import { interrupted, isRelayError } from '../core/errors.js';
import { parseRateLimitHeaders } from '../core/ratelimit-headers.js';
import type { Failure } from '../core/retry.js';
import { estimatePromptTokens } from '../core/tokens.js';
import type { ChatRequest, ChatResult, Usage } from '../core/types.js';
import { emptyUsage } from '../core/usage.js';
import type { Ticket } from '../limit/limiter.js';
import type { AdmissionQueue } from '../limit/queue.js';
import { reservationTokens } from '../limit/estimate.js';
import { usd, type Pricer } from './pricing.js';
import type { AttemptEntry, OutputRecord, RelayMeta } from './records.js';
import type { BatchItem } from './request.js';

// One line's request, start to finish: every attempt (retries and failovers) first waits for the
// rate limiter, every response's headers and 429s feed it back, and every attempt goes in the
// line's attempt log. An attempt whose connection broke after sending may have been billed
// (shared case R23): it is counted, and its prompt is costed as an estimate.

/** The one function a line is sent through: a single client or a router (issue 6). */
export interface Sender {
  chat(req: ChatRequest, call?: ChatCallOptions): Promise<ChatResult & { failovers?: unknown[] }>;
}

/** A line in flight, as the runner sees it. */
export interface Flight {
  /** In the limiter queue or a retry backoff: nothing is on the wire, so Ctrl-C stops it at once. */
  waiting: boolean;
}

export interface LineEnv {
  sender: Sender;
  queue: AdmissionQueue;
  /** Aborted by Ctrl-C: ends every wait (limiter queue, retry backoff); requests on the wire go on. */
  stopSignal: AbortSignal;
  /** Aborted when the grace period is over (or a second Ctrl-C): ends requests on the wire too. */
  abortSignal: AbortSignal;
  /** Reservations are estimated only when --tpm is set (the tokenizer costs time). */
  tokensLimited: boolean;
  retries: number;
  pricer?: Pricer;
  now(): number;
  /** An attempt was made; `retry`: not the line's first (a retry or a failover). */
  onAttempt(retry: boolean): void;
  onRetry(item: BatchItem, info: RetryInfo): void;
  onWarning(message: string): void;
  onPace(): void;
}

export interface LineResult {
  /** Undefined when the line was interrupted: it is not done and resume runs it. */
  record?: OutputRecord;
  ok: boolean;
  /** What this line added to the spend; null when its model has no price. */
  cost: bigint | null;
  usage?: Usage;
  /** The text the record's response body was parsed from, when it is the server's own (records.ts). */
  rawBody?: string;
}

export function failureCode(f: Failure | undefined): string {
  if (!f) return 'error';
  switch (f.kind) {
    case 'http': return String(f.status);
    case 'stream_error': return f.error.code ?? f.error.type ?? 'stream_error';
    default: return f.kind;
  }
}

/** A chat.completion body for a reply that did not come as one (a server that streamed anyway). */
function completionBody(r: ChatResult): unknown {
  const message: Record<string, unknown> = { role: 'assistant', content: r.content };
  if (r.reasoning) message.reasoning_content = r.reasoning;
  if (r.toolCalls.length) message.tool_calls = r.toolCalls;
  return { id: r.id, object: 'chat.completion', created: r.created, model: r.model, choices: [{ index: 0, message, finish_reason: r.finishReason }], usage: r.usage };
}

const round1 = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms * 10) / 10);

/**
 * One line's call options and attempt bookkeeping. The hooks are prototype methods (the client
 * calls them as methods of this object), so a line allocates no closures for them.
 */
class LineCall implements ChatCallOptions {
  readonly stream = false;
  readonly signal: AbortSignal;
  readonly waitSignal: AbortSignal;
  readonly retries: number;
  readonly log: AttemptEntry[] = [];
  ticket: Ticket | undefined;
  last: AttemptOutcome | undefined;
  /** Attempts whose connection broke after sending, that timed out or were cut short: they may have been billed. */
  unknown = 0;
  reserve = 0;
  prompt: number | undefined;

  constructor(readonly item: BatchItem, readonly env: LineEnv, readonly flight: Flight) {
    this.signal = env.abortSignal;
    this.waitSignal = env.stopSignal;
    this.retries = env.retries;
  }

  beforeAttempt(): Promise<void> | void {
    const env = this.env;
    // Stopped (Ctrl-C, or a 401 that shows the key is wrong): no attempt may start, first or retry.
    if (env.stopSignal.aborted) throw interrupted('stopped before sending');
    // Admitted at once (the usual case without limits): no promise, no microtask.
    this.ticket = env.queue.admitNow(this.reserve);
    if (this.ticket) {
      this.flight.waiting = false;
      return;
    }
    this.flight.waiting = true;
    return env.queue.acquire(this.reserve, env.stopSignal).then((t) => {
      this.ticket = t;
      this.flight.waiting = false;
    }, () => {
      throw interrupted('interrupted while waiting for the rate limit');
    });
  }

  onAttempt(out: AttemptOutcome, endpoint: string): void {
    const env = this.env;
    const limiter = env.queue.limiter;
    this.last = out;
    env.onAttempt(this.log.length > 0);
    const now = env.now();
    // A success's headers are read once, by the client (result.rateLimit, in runLine).
    if (out.status && !out.ok) limiter.observe(parseRateLimitHeaders(out.headers), now);
    if (out.status === 429) limiter.onRateLimited(now);
    else if (out.ok) limiter.onSuccess(now);
    env.onPace();
    this.log.push({ status: out.status, error: out.ok ? null : failureCode(out.failure), ms: round1(out.timings.e2e) ?? 0, endpoint });
    if (out.ok || out.aborted) return;
    const kind = out.failure?.kind;
    // A reply cut short was being generated: billed, though its usage never came.
    if (kind === 'disconnect' || kind === 'timeout' || kind === 'truncated') this.unknown++;
    // A refused request (4xx/5xx) used nothing; a broken or cut one may have used its reservation.
    this.settle(kind === 'http' || kind === 'connect' ? 0 : undefined);
  }

  onRetry(info: RetryInfo): void {
    const entry = this.log[this.log.length - 1];
    if (entry) entry.wait_ms = Math.round(info.delayMs);
    this.flight.waiting = true;
    this.env.onRetry(this.item, info);
  }

  /** Gives the limiter back what the reservation did not use (undefined: assume all of it). */
  settle(used: number | undefined): void {
    const t = this.ticket;
    if (t && !t.settled) {
      this.env.queue.limiter.settle(t, used, this.env.now());
      this.env.queue.kick();
    }
  }

  /** The prompt cost of attempts that may have been billed unseen (R23); sync when there were none. */
  billedUnknown(model: string): { usage?: Usage; cost: bigint | null } | Promise<{ usage?: Usage; cost: bigint | null }> {
    if (this.unknown === 0) return NOTHING_LOST;
    const n = this.unknown;
    const pricer = this.env.pricer;
    return (this.prompt !== undefined ? Promise.resolve(this.prompt) : estimatePromptTokens(this.item.request!.messages)).then((p) => {
      this.prompt = p;
      const usage = { ...emptyUsage(true), promptTokens: p * n, totalTokens: p * n };
      return { usage, cost: pricer ? pricer(model, usage) : null };
    });
  }
}

const NOTHING_LOST = { cost: null };

export async function runLine(item: BatchItem, recordId: string, env: LineEnv, flight: Flight): Promise<LineResult> {
  const req = item.request!;
  const limiter = env.queue.limiter;
  const call = new LineCall(item, env, flight);
  if (env.tokensLimited) {
    const r = await reservationTokens(req);
    call.reserve = r.total;
    call.prompt = r.prompt;
    if (limiter.isOversize(r.total)) {
      env.onWarning(`line ${item.lineNo} (${item.id}) reserves ${r.total} tokens, more than a whole minute of --tpm ${limiter.tokens!.perMinute}; it runs alone`);
    }
  }
  const log = call.log;

  try {
    const result = await env.sender.chat(req, call);
    const usage = result.normalizedUsage;
    limiter.observe(result.rateLimit, env.now());
    call.settle(usage.promptTokens + usage.completionTokens);
    const model = result.model ?? req.model;
    let cost = env.pricer ? env.pricer(model, usage) : null;
    const lost = call.unknown === 0 ? NOTHING_LOST : await call.billedUnknown(model);
    const last = call.last;
    const unknown = call.unknown;
    if (cost !== null && lost.cost !== null) cost += lost.cost;
    const asSent = last?.ok === true && last.body !== undefined;
    const body = asSent ? last!.body : completionBody(result);
    // Built key by key in output order (object spreads here were a measurable share of a line).
    // One clean attempt is said by attempts/latency/status; the log lists retries and failovers.
    const relay = { line: item.lineNo, attempts: result.attempts } as RelayMeta;
    if (log.length > 1) relay.attempt_log = log;
    relay.latency_ms = round1(result.timings.e2e);
    relay.endpoint = result.endpoint;
    relay.model = model;
    relay.tokens = usage;
    relay.cost = usd(cost);
    if (unknown) relay.unknown_outcome_attempts = unknown;
    relay.cached = false;
    relay.deduplicated = false;
    if (result.failovers?.length) relay.failovers = result.failovers;
    return {
      ok: true, cost, usage, rawBody: asSent ? last!.bodyText : undefined,
      record: { id: recordId, custom_id: item.id, response: { status_code: result.status, request_id: result.requestId ?? null, body }, error: null, relay },
    };
  } catch (e) {
    call.settle(undefined);
    if (env.abortSignal.aborted || (isRelayError(e) && e.code === 'interrupted')) return { ok: false, cost: null };
    if (!isRelayError(e)) throw e;
    const model = req.model;
    const lost = await call.billedUnknown(model);
    const last = call.last;
    const unknown = call.unknown;
    const status = last?.status ?? 0;
    const attempts = (e as { attempts?: number }).attempts ?? log.length;
    // Refused requests were not billed: zero, when prices are known at all.
    const cost = unknown ? lost.cost : env.pricer ? 0n : null;
    return {
      ok: false,
      cost,
      usage: lost.usage,
      record: {
        id: recordId, custom_id: item.id,
        response: status ? { status_code: status, request_id: last?.headers['x-request-id'] ?? e.requestId ?? null, body: last?.errorBody ?? null } : null,
        error: { code: e.code, message: e.message },
        relay: {
          line: item.lineNo, attempts, attempt_log: log, latency_ms: round1(last?.timings.e2e),
          endpoint: log[log.length - 1]?.endpoint ?? null, model, tokens: lost.usage ?? null, cost: usd(cost),
          ...(unknown ? { unknown_outcome_attempts: unknown } : {}),
          // What a stream cut short, idle or over time had delivered (R08): the message says it is kept.
          ...(e.partial ? { partial_content: e.partial } : {}),
          cached: false, deduplicated: false,
        },
      },
    };
  }
}
