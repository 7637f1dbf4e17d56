import { newHistogram, record, type Histogram } from './hdr.js';
import { METRIC_NAMES, requestMetrics, type MetricName } from './metrics.js';
import type { Outcome } from './send.js';

// Per-target accumulation. With an interval log, samples go into the current 1-second interval
// histograms; flush() adds the interval into the run's totals (and hands it to the interval log
// first), so the totals and the sum of the logged intervals are the same counts by construction.
// Without one, samples go straight into the totals.

export interface Sample {
  seq: number;
  target: number;
  warmup: boolean;
  /** ms after the run start: when it was due, and when it was actually sent. */
  intended: number;
  sent: number;
  openLoop: boolean;
  outcome: Outcome;
}

export interface Counts {
  /** Measured requests (warm-up excluded): ok + every error. */
  requests: number;
  ok: number;
  errors: Record<string, number>;
  outputTokens: number;
  /** Successful replies whose token count came from the tokenizer (no usage sent). */
  estimatedTokens: number;
  /** Values outside 1 µs..10 min, recorded at the nearest end of the range. */
  clamped: number;
  /** Replies that carried relay sim's marker header. */
  simulatedReplies: number;
  warmup: { requests: number; errors: Record<string, number> };
}

export function emptyCounts(): Counts {
  return { requests: 0, ok: 0, errors: {}, outputTokens: 0, estimatedTokens: 0, clamped: 0, simulatedReplies: 0, warmup: { requests: 0, errors: {} } };
}

export function addCounts(into: Counts, c: Counts): void {
  into.requests += c.requests;
  into.ok += c.ok;
  into.outputTokens += c.outputTokens;
  into.estimatedTokens += c.estimatedTokens;
  into.clamped += c.clamped;
  into.simulatedReplies += c.simulatedReplies;
  into.warmup.requests += c.warmup.requests;
  for (const [k, v] of Object.entries(c.errors)) into.errors[k] = (into.errors[k] ?? 0) + v;
  for (const [k, v] of Object.entries(c.warmup.errors)) into.warmup.errors[k] = (into.warmup.errors[k] ?? 0) + v;
}

export type HistogramSet = Record<MetricName, Histogram>;

export function newHistogramSet(): HistogramSet {
  const set = {} as HistogramSet;
  for (const m of METRIC_NAMES) set[m] = newHistogram();
  return set;
}

export class TargetRecorder {
  readonly counts: Counts = emptyCounts();
  readonly totals: HistogramSet = newHistogramSet();
  /** Per-second histograms, kept only for an interval log (--hdr-log); otherwise samples go straight to the totals. */
  private readonly interval: HistogramSet | undefined;
  /** Metrics with at least one value in the current interval. */
  private readonly touched = new Set<MetricName>();

  /**
   * `intervals`: keep 1-second histograms for an interval log. Without one, moving an interval
   * into the totals every second (a walk over every bucket of every metric, about a millisecond)
   * held up the event loop, and so the timing of replies arriving meanwhile.
   */
  constructor(private readonly stream: boolean, intervals = true) {
    this.interval = intervals ? newHistogramSet() : undefined;
  }

  add(s: Sample): void {
    const o = s.outcome;
    if (s.warmup) {
      this.counts.warmup.requests++;
      if (!o.ok) bump(this.counts.warmup.errors, o.code ?? 'unknown');
      return;
    }
    const c = this.counts;
    c.requests++;
    if (o.simulated) c.simulatedReplies++;
    if (s.openLoop) this.put('sendLag', s.sent - s.intended);
    if (!o.ok) {
      bump(c.errors, o.code ?? 'unknown');
      if (o.e2e !== undefined) this.put('failed', o.e2e);
      return;
    }
    c.ok++;
    c.outputTokens += o.outputTokens ?? 0;
    if (o.tokensEstimated) c.estimatedTokens++;
    const m = requestMetrics(o, o.outputTokens, this.stream);
    if (m.ttfb !== undefined) this.put('ttfb', m.ttfb);
    if (m.ttft !== undefined) this.put('ttft', m.ttft);
    if (m.e2e !== undefined) this.put('e2e', m.e2e);
    if (m.tpot !== undefined) this.put('tpot', m.tpot);
    if (m.tokensPerSec !== undefined) this.put('tokensPerSec', m.tokensPerSec);
    for (const gap of m.itl) {
      this.put('itl', gap);
      if (m.tokensPerChunk !== undefined) this.put('itlToken', gap / m.tokensPerChunk);
    }
    if (s.openLoop) {
      const lag = s.sent - s.intended;
      if (m.e2e !== undefined) this.put('responseTime', lag + m.e2e);
      if (m.ttft !== undefined) this.put('responseTtft', lag + m.ttft);
    }
  }

  /** Moves the current interval into the totals; calls `log` first with each non-empty interval histogram. */
  flush(log?: (metric: MetricName, h: Histogram) => void): void {
    if (!this.interval) return;
    for (const metric of this.touched) {
      const h = this.interval[metric];
      log?.(metric, h);
      this.totals[metric].add(h);
      h.reset();
    }
    this.touched.clear();
  }

  private put(metric: MetricName, value: number): void {
    if (!this.interval) {
      if (!record(this.totals[metric], value)) this.counts.clamped++;
      return;
    }
    if (!record(this.interval[metric], value)) this.counts.clamped++;
    this.touched.add(metric);
  }
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}
