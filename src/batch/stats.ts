import { LatencyHistogram } from './latency.js';
import { Spend } from './pricing.js';
import type { OutputRecord } from './records.js';

// The numbers a batch run reports (progress, summary, --summary-json): lines ok / failed by code /
// skipped, tokens, spend, latency percentiles, achieved rates. Fed one record at a time; nothing
// per line is kept (a histogram of latencies, counters, an exact running spend).

export interface BatchSummary {
  lines: { total: number; ok: number; failed: number; skipped: number; notRun: number; cached: number; deduplicated: number };
  failedByCode: Record<string, number>;
  /** HTTP attempts sent (retries and failovers included). */
  requests: number;
  retries: number;
  tokens: { prompt: number; completion: number; cached: number; reasoning: number; estimated: boolean };
  /** USD; null when nothing could be priced. */
  cost: number | null;
  costUnpricedLines: number;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
  wallMs: number;
  achieved: { requestsPerMin: number; tokensPerMin: number };
  interrupted: boolean;
  /** 'auth': a line was refused with 401, so every other line would be too (the key is wrong). */
  stoppedBy: 'interrupt' | 'max-cost' | 'auth' | null;
  /** With stoppedBy 'auth': that line's error message (it names the endpoint and the key's variable, never the key). */
  authError?: string;
  /** Lines answered per endpoint, and failovers away from each (several only with a route). */
  endpoints: Record<string, { lines: number; failoversFrom: number; breakerOpenings?: number }>;
}

export class BatchStats {
  total = 0;
  ok = 0;
  failed = 0;
  skipped = 0;
  cachedLines = 0;
  dedupLines = 0;
  requests = 0;
  retries = 0;
  readonly byCode = new Map<string, number>();
  private readonly byEndpoint = new Map<string, { lines: number; failoversFrom: number }>();
  readonly tokens = { prompt: 0, completion: 0, cached: 0, reasoning: 0, estimated: false };
  readonly spend = new Spend();
  private readonly latency = new LatencyHistogram();
  private readonly started = performance.now();
  private ended?: number;

  get done(): number {
    return this.ok + this.failed;
  }

  /** A result line was written. `cost` is what this line added to the spend (copies and cache hits add 0). */
  add(rec: OutputRecord, ok: boolean, cost: bigint | null): void {
    if (ok) this.ok++;
    else {
      this.failed++;
      const code = rec.error?.code ?? 'error';
      this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
    }
    const m = rec.relay;
    if (m.cached) this.cachedLines++;
    if (m.deduplicated) this.dedupLines++;
    if (m.cached || m.deduplicated) return; // nothing was sent or billed for this line
    if (m.endpoint) this.endpoint(m.endpoint).lines++;
    for (const f of (m.failovers ?? []) as Array<{ from?: string }>) if (f.from) this.endpoint(f.from).failoversFrom++;
    if (m.attempts > 0) this.spend.add(cost);
    if (m.tokens) {
      this.tokens.prompt += m.tokens.promptTokens;
      this.tokens.completion += m.tokens.completionTokens;
      this.tokens.cached += m.tokens.cachedTokens;
      this.tokens.reasoning += m.tokens.reasoningTokens;
      if (m.tokens.estimated) this.tokens.estimated = true;
    }
    if (ok && m.latency_ms !== null) this.latency.record(m.latency_ms);
  }

  private endpoint(name: string): { lines: number; failoversFrom: number } {
    let e = this.byEndpoint.get(name);
    if (!e) this.byEndpoint.set(name, (e = { lines: 0, failoversFrom: 0 }));
    return e;
  }

  /** Every HTTP attempt sent, as it happens (rates count these, not lines). */
  attempt(): void {
    this.requests++;
  }

  finish(): void {
    this.ended ??= performance.now();
  }

  elapsedMs(): number {
    return (this.ended ?? performance.now()) - this.started;
  }

  summary(notRun: number, stoppedBy: BatchSummary['stoppedBy'], authError?: string): BatchSummary {
    const wall = this.elapsedMs();
    const perMin = (n: number) => (wall > 0 ? Math.round((n / wall) * 60_000 * 10) / 10 : 0);
    const at = (p: number) => { const v = this.latency.percentile(p); return v === null ? null : Math.round(v * 10) / 10; };
    const byCode: Record<string, number> = {};
    for (const [k, v] of [...this.byCode].sort((a, b) => b[1] - a[1])) byCode[k] = v;
    return {
      lines: { total: this.total, ok: this.ok, failed: this.failed, skipped: this.skipped, notRun, cached: this.cachedLines, deduplicated: this.dedupLines },
      failedByCode: byCode,
      requests: this.requests,
      retries: this.retries,
      tokens: { ...this.tokens },
      cost: this.spend.usd(),
      costUnpricedLines: this.spend.unpricedLines,
      latencyMs: { p50: at(50), p95: at(95), p99: at(99), max: this.latency.count ? Math.round(this.latency.max * 10) / 10 : null },
      wallMs: Math.round(wall),
      achieved: { requestsPerMin: perMin(this.requests), tokensPerMin: perMin(this.tokens.prompt + this.tokens.completion) },
      interrupted: stoppedBy === 'interrupt',
      stoppedBy,
      ...(stoppedBy === 'auth' ? { authError } : {}),
      endpoints: Object.fromEntries([...this.byEndpoint].map(([k, v]) => [k, { ...v }])),
    };
  }
}
