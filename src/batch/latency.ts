// Latency percentiles for the batch summary in a fixed 9 KB: logarithmic buckets 1% wide from
// 0.01 ms to about 9 hours, so any percentile is within 1% of the true value. (Bench needs
// exact, mergeable histograms and uses hdr-histogram; a summary line does not, and loading that
// library costs a batch process about 16 MB.)

const MIN_MS = 0.01;
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 2200; // 0.01 ms x 1.01^2200 is about 9 hours; anything longer lands in the last bucket

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS + 1);
  count = 0;
  max = 0;

  record(ms: number): void {
    if (!(ms >= 0)) return;
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH));
    this.counts[i]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** The value at percentile p (0-100): the upper edge of the bucket holding it, capped at the max seen. */
  percentile(p: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i === BUCKETS ? this.max : Math.min(this.max, MIN_MS * GROWTH ** i);
    }
    return this.max;
  }
}
