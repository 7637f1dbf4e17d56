import { LatencyHistogram } from '../batch/latency.js';

// The simulator's own account of when it wrote: per streamed reply, how late the first token and
// the last byte went out against their plan (arrival + latency + ttft + the token schedule).
// A benchmark of a client can then tell the server's lateness (busy machine, timers) from its own
// measurement error: the truth of a request is its plan plus this lateness.
// Lateness can be slightly negative (a chunk due within 0.25 ms is written at once), so values
// are kept shifted by OFFSET ms, in 1% buckets: about 10 microseconds wide near zero.

const OFFSET = 1;

export interface LatenessSummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

function summary(h: LatencyHistogram): LatenessSummary {
  const at = (p: number) => {
    const v = h.percentile(p);
    return v === null ? null : Math.round((v - OFFSET) * 1000) / 1000;
  };
  return { count: h.count, p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: h.count ? Math.round((h.max - OFFSET) * 1000) / 1000 : null };
}

export class SimTiming {
  private ttft = new LatencyHistogram();
  private e2e = new LatencyHistogram();

  /** Milliseconds late (negative: early) of one reply's first token and last byte. */
  record(ttftLateMs: number, e2eLateMs: number): void {
    this.ttft.record(Math.max(0, ttftLateMs + OFFSET));
    this.e2e.record(Math.max(0, e2eLateMs + OFFSET));
  }

  get count(): number {
    return this.ttft.count;
  }

  summary(): { ttftLateMs: LatenessSummary; e2eLateMs: LatenessSummary } {
    return { ttftLateMs: summary(this.ttft), e2eLateMs: summary(this.e2e) };
  }

  reset(): void {
    this.ttft = new LatencyHistogram();
    this.e2e = new LatencyHistogram();
  }
}
