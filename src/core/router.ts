import { performance } from 'node:perf_hooks';
import { Breaker, DEFAULT_BREAKER, type BreakerSettings, type BreakerState } from './breaker.js';
import { waitToRetry, type ChatCallOptions, type RelayClient } from './client.js';
import { EXIT, RelayError } from './errors.js';
import { decideRetry, isQuotaExhausted, retryable, type Failure, type RetryPolicy } from './retry.js';
import { choose, ewma, type Strategy } from './strategy.js';
import type { ChatRequest, ChatResult } from './types.js';

// Several endpoints behind one chat(): pick one by strategy, keep each one's health, fail over
// at once (no backoff between different endpoints) within the request's retry budget.

export interface Failover { from: string; to: string; reason: string; switchMs: number }
export type RoutedResult = ChatResult & { failovers: Failover[] };

export interface RouterOptions {
  strategy: Strategy;
  retry: RetryPolicy;
  breaker?: Partial<BreakerSettings>;
  /** Fail over requests whose connection broke after sending (default true: a route is the opt-in, R23). */
  failoverUnknown?: boolean;
  priceOf?: (endpoint: string, req: ChatRequest) => number | undefined;
  random?: () => number;
  now?: () => number;
}

export interface EndpointHealth {
  name: string;
  state: BreakerState;
  latencyMs?: number;
  requests: number;
  failures: number;
  openings: number;
  lastError?: string;
}

interface Member {
  client: RelayClient; breaker: Breaker; latencyMs?: number; sinceChosen: number; requests: number; failures: number;
  lastUsed: number; models?: string[]; probeError?: string;
}

export interface ProbeResult extends EndpointHealth {
  probeMs?: number; models?: string[]; error?: string; exitCode?: number;
  /** The reply carried relay sim's marker header. */
  simulated?: boolean;
}

/** The endpoint's fault (fail over, count against its health) versus the caller's (400, 401, 404...). */
export function isEndpointFault(f: Failure, policy: RetryPolicy): boolean {
  if (f.kind === 'http' && f.status === 429 && isQuotaExhausted(f.body)) return true; // another account may have quota
  return retryable(f, { ...policy, retryUnknownOutcome: true });
}

export class Router {
  private readonly members: Member[];
  private rr = 0;
  private readonly random: () => number;

  constructor(clients: RelayClient[], private readonly opts: RouterOptions) {
    const settings = { ...DEFAULT_BREAKER, ...opts.breaker };
    this.members = clients.map((client) => ({ client, breaker: new Breaker(settings, opts.now), sinceChosen: 0, requests: 0, failures: 0, lastUsed: 0 }));
    this.random = opts.random ?? Math.random;
  }

  get names(): string[] {
    return this.members.map((m) => m.client.endpoint.name);
  }

  health(): EndpointHealth[] {
    return this.members.map((m) => ({
      name: m.client.endpoint.name, state: m.breaker.state, latencyMs: m.latencyMs, requests: m.requests,
      failures: m.failures, openings: m.breaker.openings, lastError: m.breaker.lastReason,
    }));
  }

  private pick(req: ChatRequest, exclude: Set<Member>): Member | undefined {
    const open = this.members.filter((m) => m.breaker.canSend());
    const cands = open.filter((m) => !exclude.has(m)).map((m) => ({
      index: this.members.indexOf(m), latencyMs: m.latencyMs, sinceChosen: m.sinceChosen,
      priceUsd: this.opts.priceOf?.(m.client.endpoint.name, req),
    }));
    const c = choose(this.opts.strategy, cands, this.rr++, this.random);
    return c ? this.members[c.index] : undefined;
  }

  async chat(req: ChatRequest, call: ChatCallOptions = {}): Promise<RoutedResult> {
    const policy = call.retries === undefined ? this.opts.retry : { ...this.opts.retry, retries: call.retries };
    const decidePolicy = { ...policy, retryUnknownOutcome: policy.retryUnknownOutcome || this.opts.failoverUnknown !== false };
    const failovers: Failover[] = [];
    const tried = new Map<Member, string>(); // this round: endpoints not to pick again before a backoff
    const failed = new Map<Member, string>(); // whole request: for the all-down message
    let attempts = 0;
    let retriesDone = 0;
    let pending: { from: string; reason: string; at: number } | undefined;
    for (;;) {
      if (call.beforeAttempt) {
        const t = performance.now();
        await call.beforeAttempt(attempts + 1);
        if (pending) pending.at += performance.now() - t; // a rate-limit wait is not switchover time
      }
      const m = this.pick(req, new Set(tried.keys()));
      if (!m) throw this.allDown(failed);
      attempts++;
      m.breaker.onSend();
      for (const o of this.members) o.sinceChosen = o === m ? 0 : o.sinceChosen + 1;
      m.requests++;
      m.lastUsed = performance.now();
      const out = await m.client.attempt(req, call);
      call.onAttempt?.(out, m.client.endpoint.name);
      if (pending) {
        failovers.push({ from: pending.from, to: m.client.endpoint.name, reason: pending.reason, switchMs: Math.max(0, out.timings.start - pending.at) });
        call.onRetry?.({ attempt: attempts - 1, delayMs: 0, reason: `${pending.reason}; failed over to ${m.client.endpoint.name}`, failover: m.client.endpoint.name });
        pending = undefined;
      }
      const sample = out.timings.ttft ?? out.timings.ttfb;
      if (out.ok) {
        if (sample !== undefined) m.latencyMs = ewma(m.latencyMs, sample);
        m.breaker.record(true);
        return { ...(await m.client.toResult(out, req, attempts)), failovers };
      }
      if (out.aborted || call.signal?.aborted) throw m.client.interruptedError(out, attempts);
      const f = out.failure!;
      const fault = isEndpointFault(f, policy);
      const decision = decideRetry(f, { retriesDone, deliveredToUser: out.deliveredToUser }, decidePolicy);
      if (fault) {
        m.failures++;
        m.breaker.record(false, decision.reason);
        // A slow failure is also a latency signal: the endpoint should not look fast.
        m.latencyMs = ewma(m.latencyMs, Math.max(sample ?? 0, out.timings.e2e ?? 0));
      }
      tried.set(m, decision.reason);
      failed.set(m, decision.reason);
      const budgetLeft = retriesDone < policy.retries && !out.deliveredToUser;
      const alternative = this.members.some((o) => !tried.has(o) && o.breaker.canSend());
      if (fault && budgetLeft && alternative) {
        retriesDone++;
        pending = { from: m.client.endpoint.name, reason: decision.reason, at: performance.now() };
        continue;
      }
      if (!decision.retry) {
        if (failed.size > 1) throw this.allDown(failed, f);
        throw m.client.toError(out, req, attempts, decision.reason, decision.serverWaitMs);
      }
      retriesDone++;
      call.onRetry?.({ attempt: attempts, delayMs: decision.delayMs, reason: decision.reason, status: out.status || undefined });
      await waitToRetry(decision.delayMs, call.waitSignal ?? call.signal, attempts, policy.retries + 1);
      tried.clear();
    }
  }

  private allDown(failed: Map<Member, string>, lastFailure?: Failure): RelayError {
    // HTTP answers (5xx, 429) are API errors (exit 5); no answer at all is a network failure (exit 6).
    const exitCode = lastFailure?.kind === 'http' ? EXIT.api : EXIT.network;
    const parts = this.members.map((m) => {
      const why = failed.get(m) ?? (m.breaker.state !== 'closed' ? `circuit ${m.breaker.state}: ${m.breaker.lastReason ?? 'recent failures'}` : 'not tried');
      return `${m.client.endpoint.name} (${why})`;
    });
    return new RelayError(`every endpoint of the route failed: ${parts.join('; ')}`, { code: 'all_endpoints_down', exitCode, retryable: true });
  }

  /** Active health check: GET /models, timed; the outcome feeds the breaker like a request. */
  async probe(index: number, signal?: AbortSignal): Promise<ProbeResult> {
    const m = this.members[index];
    const t0 = performance.now();
    try {
      m.models = (await m.client.models(signal)).map((x) => x.id);
      const ms = performance.now() - t0;
      m.latencyMs = ewma(m.latencyMs, ms);
      if (m.breaker.state !== 'open') m.breaker.record(true);
      m.probeError = undefined;
      return { ...this.health()[index], probeMs: ms, models: m.models, simulated: m.client.simulated };
    } catch (e) {
      const reason = (e as Error).message;
      m.breaker.record(false, reason);
      m.probeError = reason;
      return { ...this.health()[index], probeMs: performance.now() - t0, error: reason, exitCode: (e as RelayError).exitCode ?? EXIT.network };
    }
  }

  /** Probe endpoints that carried no request for `intervalMs`, so a recovered one is noticed. */
  startProbing(intervalMs: number): () => void {
    const timer = setInterval(() => {
      const now = performance.now();
      this.members.forEach((m, i) => { if (now - m.lastUsed >= intervalMs) { m.lastUsed = now; void this.probe(i); } });
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.client.close()));
  }
}
