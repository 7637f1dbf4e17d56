// A per-minute limit paced in one-second slices (issue 4): the bucket refills continuously at
// limit/60 per second and holds at most one second's worth, because providers enforce per-minute
// limits over shorter windows. `--rpm 600` therefore sends about 10 requests a second from the
// first second, never 600 at once.
//
// The bucket starts nearly empty (`initial`, one request for --rpm so the first one goes at once):
// whatever is admitted by time t never exceeds initial + t x rate, so the rate measured over a
// short run is not inflated by a starting burst.
//
// A cost larger than the whole bucket is admitted when the bucket is full and leaves it in debt
// (a negative level) that later requests wait out. The classic "wait until level >= cost" bucket
// deadlocks on such a request; this one keeps the long-run rate exact and never hangs.
// Pure: every method takes `now` (ms), nothing reads a clock.

export class TokenBucket {
  /** One second's worth of refill, never less than one unit (so --rpm 30 still admits requests). */
  readonly capacity: number;
  private level: number;
  private last: number;
  private perMs: number;

  constructor(readonly perMinute: number, now: number, initial = 0, private pace = 1) {
    if (!(perMinute > 0)) throw new RangeError(`a bucket needs a positive per-minute limit, got ${perMinute}`);
    this.capacity = Math.max(1, perMinute / 60);
    this.level = Math.min(initial, this.capacity);
    this.perMs = (perMinute / 60_000) * pace;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.level = Math.min(this.capacity, this.level + (now - this.last) * this.perMs);
      this.last = now;
    }
  }

  /** What the bucket holds now; negative while it is in debt. */
  levelAt(now: number): number {
    this.refill(now);
    return this.level;
  }

  isFull(now: number): boolean {
    this.refill(now);
    return this.level >= this.capacity - 1e-9;
  }

  /** Milliseconds until `cost` may be taken (0 = now). An oversized cost waits for a full bucket. */
  waitMs(cost: number, now: number): number {
    this.refill(now);
    const need = Math.min(cost, this.capacity);
    if (this.level >= need - 1e-9) return 0;
    return Math.max(1e-3, (need - this.level) / this.perMs);
  }

  /** Take `cost` unconditionally (the caller asked waitMs first); the level may go below zero. */
  take(cost: number, now: number): void {
    this.refill(now);
    this.level -= cost;
  }

  /** Correct an earlier reservation: positive gives back (capped at capacity), negative charges more. */
  adjust(delta: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.capacity, this.level + delta);
  }

  /** Scale the refill rate (0 < pace <= 1); what has accrued so far keeps the old rate. */
  setPace(pace: number, now: number): void {
    this.refill(now);
    this.pace = pace;
    this.perMs = (this.perMinute / 60_000) * pace;
  }

  get currentPace(): number {
    return this.pace;
  }
}
