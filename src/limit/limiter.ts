import type { RateLimitSnapshot } from '../core/types.js';
import { TokenBucket } from './token-bucket.js';

// The rate policy of a batch, pure and clock-free (every method takes `now` in ms):
// - a request bucket (--rpm) and a token bucket (--tpm), paced in one-second slices (token-bucket.ts);
// - a request whose reservation exceeds a whole minute of --tpm runs alone: it waits until nothing
//   else holds tokens and the bucket is full, then its debt holds everyone else back;
// - the server is listened to: x-ratelimit-remaining-* at 0 pauses admissions until the matching
//   reset (and what remains of the request window, less requests in flight, is a budget), and
//   every 429 lowers the pace by `paceDown` (multiplicative), every success raises it by
//   `paceUp` (additive), within [minPace, 1]. With a 429 share s the pace settles near
//   paceUp(1-s)/(s x paceDown): random 10% 429s keep ~90% of the pace, a real overshoot drives it
//   down to the floor quickly. The pace scales both bucket refills and the concurrency (see runner).

export interface LimiterOptions {
  rpm?: number;
  tpm?: number;
  minPace?: number;
  paceDown?: number;
  paceUp?: number;
}

export interface Ticket {
  /** Tokens reserved against --tpm (0 without a token limit). */
  tokens: number;
  settled: boolean;
}

export type Admission =
  | { admitted: true; ticket: Ticket }
  | { admitted: false; waitMs: number; reason: 'requests' | 'tokens' | 'server' | 'alone' };

export const DEFAULT_PACING = { minPace: 0.1, paceDown: 0.2, paceUp: 0.02 };

export class RateLimiter {
  readonly requests?: TokenBucket;
  readonly tokens?: TokenBucket;
  private pauseUntil = 0;
  private pauseWhy: 'requests' | 'tokens' = 'requests';
  private inFlightTokens = 0;
  /** Admitted and not yet settled. */
  private outstanding = 0;
  /** Requests the server said it would still take before `budgetUntil`, less those sent since. */
  private budget: number | undefined;
  private budgetUntil = 0;
  private paceValue = 1;
  private readonly minPace: number;
  private readonly paceDown: number;
  private readonly paceUp: number;

  constructor(opts: LimiterOptions, now: number) {
    if (opts.rpm && opts.rpm > 0) this.requests = new TokenBucket(opts.rpm, now, 1);
    if (opts.tpm && opts.tpm > 0) this.tokens = new TokenBucket(opts.tpm, now);
    this.minPace = opts.minPace ?? DEFAULT_PACING.minPace;
    this.paceDown = opts.paceDown ?? DEFAULT_PACING.paceDown;
    this.paceUp = opts.paceUp ?? DEFAULT_PACING.paceUp;
  }

  get pace(): number {
    return this.paceValue;
  }

  /** Whether a reservation is larger than a whole minute of --tpm (it will run alone, with a warning). */
  isOversize(tokens: number): boolean {
    return this.tokens !== undefined && tokens > this.tokens.perMinute;
  }

  /** Admit one request reserving `tokens` now, or say how long to wait and why. */
  tryAdmit(tokens: number, now: number): Admission {
    if (now < this.pauseUntil) return { admitted: false, waitMs: this.pauseUntil - now, reason: 'server' };
    if (this.budget !== undefined) {
      if (now >= this.budgetUntil) this.budget = undefined;
      else if (this.budget <= 0) return { admitted: false, waitMs: this.budgetUntil - now, reason: 'server' };
    }
    const cost = this.tokens ? Math.max(0, tokens) : 0;
    const rWait = this.requests ? this.requests.waitMs(1, now) : 0;
    if (rWait > 0) return { admitted: false, waitMs: rWait, reason: 'requests' };
    if (this.tokens) {
      // Alone: no other reservation may be outstanding. The wait ends when one settles, so the
      // caller is told to come back soon rather than given an exact time.
      if (cost > this.tokens.perMinute && this.inFlightTokens > 0) return { admitted: false, waitMs: 50, reason: 'alone' };
      const tWait = this.tokens.waitMs(cost, now);
      if (tWait > 0) return { admitted: false, waitMs: tWait, reason: 'tokens' };
    }
    this.requests?.take(1, now);
    this.tokens?.take(cost, now);
    if (cost > 0) this.inFlightTokens++;
    this.outstanding++;
    if (this.budget !== undefined) this.budget--;
    return { admitted: true, ticket: { tokens: cost, settled: false } };
  }

  /**
   * The request behind `ticket` ended. `usedTokens` is what the server counted (prompt + completion);
   * the difference from the reservation is given back or charged. Undefined keeps the reservation
   * (the outcome is unknown: the server may have processed it).
   */
  settle(ticket: Ticket, usedTokens: number | undefined, now: number): void {
    if (ticket.settled) return;
    ticket.settled = true;
    if (ticket.tokens > 0) this.inFlightTokens--;
    this.outstanding--;
    if (this.tokens && usedTokens !== undefined && Number.isFinite(usedTokens)) {
      this.tokens.adjust(ticket.tokens - Math.max(0, usedTokens), now);
    }
  }

  /**
   * Rate-limit headers of any response (observed before its own ticket settles): a window at 0
   * pauses admissions until it resets; otherwise what remains of the request window, less the
   * other requests still in flight (the server may not have counted them yet), is all that is
   * sent before the reset. With several requests in flight, stopping only at 0 sent each of them
   * into a 429.
   */
  observe(rl: RateLimitSnapshot | undefined, now: number): void {
    if (!rl) return;
    if (rl.remainingRequests !== undefined && rl.resetRequestsMs !== undefined && rl.resetRequestsMs > 0) {
      this.budget = rl.remainingRequests - Math.max(0, this.outstanding - 1);
      this.budgetUntil = now + rl.resetRequestsMs;
    }
    if (rl.remainingRequests === 0 && rl.resetRequestsMs !== undefined && rl.resetRequestsMs > 0) this.pause(now + rl.resetRequestsMs, 'requests');
    if (rl.remainingTokens === 0 && rl.resetTokensMs !== undefined && rl.resetTokensMs > 0) this.pause(now + rl.resetTokensMs, 'tokens');
  }

  private pause(until: number, why: 'requests' | 'tokens'): void {
    if (until > this.pauseUntil) {
      this.pauseUntil = until;
      this.pauseWhy = why;
    }
  }

  /** When admissions are paused by the server, and for which window (for progress and logs). */
  pausedUntil(now: number): { until: number; window: 'requests' | 'tokens' } | undefined {
    return now < this.pauseUntil ? { until: this.pauseUntil, window: this.pauseWhy } : undefined;
  }

  /** A 429 arrived: slow down. */
  onRateLimited(now: number): void {
    this.setPace(Math.max(this.minPace, this.paceValue * (1 - this.paceDown)), now);
  }

  /** A request succeeded: recover a little of the pace. */
  onSuccess(now: number): void {
    if (this.paceValue < 1) this.setPace(Math.min(1, this.paceValue + this.paceUp), now);
  }

  private setPace(p: number, now: number): void {
    this.paceValue = p;
    this.requests?.setPace(p, now);
    this.tokens?.setPace(p, now);
  }
}
