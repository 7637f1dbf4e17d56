import { formatGoDuration } from './duration.js';

// Per-minute limits, enforced the way OpenAI describes its own: a bucket per limit that refills
// continuously at limit/60 per second. The bucket holds `burst` worth of refill: by default a
// whole minute (so --rpm 600 lets 600 requests through at once, then 10 per second), or less
// with --burst 1s for providers that enforce per-minute limits in shorter slices.
//
// Why this model: relay's client limiter (issue 4) paces with a bucket that refills at the same
// limit/60 per second but holds at most one second's worth. Whatever such a client sends, this
// bucket has at least as much in it, so a client that obeys --rpm N never sees a 429 from a
// simulator enforcing --rpm N, while a client that ignores the limit is stopped within a minute.
//
// Token cost of a request is prompt estimate + n x max_tokens (as OpenAI counts it, shared case
// R25), charged on arrival; when the reply ends, what was reserved but not generated goes back
// (relay's limiter does the same, so the two stay in step). A request costing more than the whole
// bucket is let through when the bucket is full and leaves it in debt, which later requests wait
// out; it is never refused for ever.

export interface LimitSettings {
  /** Requests per minute (0 or undefined = no limit). */
  rpm?: number;
  /** Tokens per minute (0 or undefined = no limit). */
  tpm?: number;
  /** Bucket capacity as a duration's worth of refill, in ms (default 60 000: a full minute). */
  burstMs?: number;
}

class Bucket {
  readonly capacity: number;
  private readonly perMs: number;
  private level: number;
  private last: number;

  constructor(readonly limit: number, burstMs: number, now: number) {
    this.perMs = limit / 60_000;
    this.capacity = Math.max(1, limit * (burstMs / 60_000));
    this.level = this.capacity;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.level = Math.min(this.capacity, this.level + (now - this.last) * this.perMs);
      this.last = now;
    }
  }

  /** Milliseconds until `cost` could be taken (0 = now). */
  waitFor(cost: number, now: number): number {
    this.refill(now);
    const need = Math.min(cost, this.capacity);
    return this.level >= need ? 0 : (need - this.level) / this.perMs;
  }

  take(cost: number): void {
    this.level -= cost;
  }

  give(amount: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.capacity, this.level + amount);
  }

  remaining(now: number): number {
    this.refill(now);
    return Math.max(0, Math.floor(this.level));
  }

  /** Time until the bucket is full again (OpenAI: "until the limit resets to its initial state"). */
  resetMs(now: number): number {
    this.refill(now);
    return (this.capacity - this.level) / this.perMs;
  }
}

export type Rejection = {
  which: 'requests' | 'tokens';
  waitMs: number;
  limit: number;
  remaining: number;
  requested: number;
};

export class RateLimits {
  private requests?: Bucket;
  private tokens?: Bucket;

  constructor(settings: LimitSettings, now: number) {
    const burst = settings.burstMs && settings.burstMs > 0 ? settings.burstMs : 60_000;
    if (settings.rpm && settings.rpm > 0) this.requests = new Bucket(settings.rpm, burst, now);
    if (settings.tpm && settings.tpm > 0) this.tokens = new Bucket(settings.tpm, burst, now);
  }

  get active(): boolean {
    return this.requests !== undefined || this.tokens !== undefined;
  }

  /** Take one request and `tokenCost` tokens, or say which limit refused and for how long. */
  admit(tokenCost: number, now: number): Rejection | null {
    const r = this.requests;
    const t = this.tokens;
    const rWait = r ? r.waitFor(1, now) : 0;
    if (r && rWait > 0) return { which: 'requests', waitMs: rWait, limit: r.limit, remaining: r.remaining(now), requested: 1 };
    const tWait = t ? t.waitFor(tokenCost, now) : 0;
    if (t && tWait > 0) return { which: 'tokens', waitMs: tWait, limit: t.limit, remaining: t.remaining(now), requested: tokenCost };
    r?.take(1);
    t?.take(tokenCost);
    return null;
  }

  /** Give back tokens reserved but not generated. */
  refund(tokens: number, now: number): void {
    if (this.tokens && tokens > 0) this.tokens.give(tokens, now);
  }

  /** OpenAI's x-ratelimit-* headers as a flat [name, value, ...] list (empty without limits). */
  headers(now: number): string[] {
    const out: string[] = [];
    if (this.requests) {
      const b = this.requests;
      out.push('x-ratelimit-limit-requests', String(b.limit), 'x-ratelimit-remaining-requests', String(b.remaining(now)),
        'x-ratelimit-reset-requests', formatGoDuration(b.resetMs(now)));
    }
    if (this.tokens) {
      const b = this.tokens;
      out.push('x-ratelimit-limit-tokens', String(b.limit), 'x-ratelimit-remaining-tokens', String(b.remaining(now)),
        'x-ratelimit-reset-tokens', formatGoDuration(b.resetMs(now)));
    }
    return out;
  }
}
