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

/**
 * One streamed reply, in epoch milliseconds (performance.timeOrigin + performance.now(), the
 * same clock a client on this machine reads): when the request was seen, when the first token
 * and the last byte were handed to the kernel. A client that logs its own send time and the
 * reply's x-request-id can then compute each request's true TTFT and E2E. The …WriteMs fields
 * are when those writes began: the bytes left between the two, and no client can see them
 * before the first.
 */
export interface TimedRequest {
  id: string;
  arrivalMs: number;
  firstTokenWriteMs: number;
  firstTokenMs: number;
  lastByteWriteMs: number;
  lastByteMs: number;
}

/** The four write times of one reply (performance.now()). */
export interface WriteTimes {
  firstFrom: number;
  firstAt: number;
  lastFrom: number;
  lastAt: number;
}

/** The most recent replies kept for GET /__sim/requests: about 20 MB at most. */
const KEEP = 200_000;

const epoch = (t: number) => Math.round((performance.timeOrigin + t) * 1000) / 1000;

export class SimTiming {
  private ttft = new LatencyHistogram();
  private e2e = new LatencyHistogram();
  private recent: TimedRequest[] = [];

  /** Milliseconds late (negative: early) of one reply's first token and last byte, and when each happened. */
  record(ttftLateMs: number, e2eLateMs: number, id: string, arrival: number, w: WriteTimes): void {
    this.ttft.record(Math.max(0, ttftLateMs + OFFSET));
    this.e2e.record(Math.max(0, e2eLateMs + OFFSET));
    if (this.recent.length >= KEEP) this.recent = this.recent.slice(KEEP / 2);
    this.recent.push({
      id, arrivalMs: epoch(arrival), firstTokenWriteMs: epoch(w.firstFrom), firstTokenMs: epoch(w.firstAt),
      lastByteWriteMs: epoch(w.lastFrom), lastByteMs: epoch(w.lastAt),
    });
  }

  get requests(): readonly TimedRequest[] {
    return this.recent;
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
    this.recent = [];
  }
}
