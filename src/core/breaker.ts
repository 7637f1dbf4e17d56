// A circuit breaker per endpoint. Closed: requests flow and outcomes are counted. It opens after
// `failures` consecutive failures, or when the error rate over the last `window` outcomes exceeds
// `errorRate` (once `minRequests` outcomes are in). Open: no requests until `cooldownMs` has
// passed; then half-open lets exactly one probe through, which closes it on success and opens it
// again on failure. Pure apart from the injected clock.

export interface BreakerSettings {
  failures: number;
  errorRate: number;
  window: number;
  minRequests: number;
  cooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerSettings = { failures: 3, errorRate: 0.5, window: 20, minRequests: 10, cooldownMs: 5_000 };

export type BreakerState = 'closed' | 'open' | 'half-open';

export class Breaker {
  private consecutive = 0;
  private readonly outcomes: boolean[] = [];
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = 'closed';
  /** How many times it has opened (reported in batch summaries). */
  openings = 0;
  lastReason?: string;

  constructor(private readonly s: BreakerSettings = DEFAULT_BREAKER, private readonly now: () => number = Date.now) {}

  get state(): BreakerState {
    if (this.current === 'open' && this.now() - this.openedAt >= this.s.cooldownMs) this.current = 'half-open';
    return this.current;
  }

  /** Whether a request may go to this endpoint now. In half-open, only one (the probe) may. */
  canSend(): boolean {
    const st = this.state;
    if (st === 'closed') return true;
    return st === 'half-open' && !this.probing;
  }

  /** Call when a request is actually sent, so half-open admits a single probe. */
  onSend(): void {
    if (this.state === 'half-open') this.probing = true;
  }

  record(ok: boolean, reason?: string): void {
    const wasProbe = this.state === 'half-open';
    this.probing = false;
    this.outcomes.push(ok);
    if (this.outcomes.length > this.s.window) this.outcomes.shift();
    if (ok) {
      this.consecutive = 0;
      if (wasProbe) { this.current = 'closed'; this.outcomes.length = 0; }
      return;
    }
    this.consecutive++;
    this.lastReason = reason;
    const failed = this.outcomes.filter((o) => !o).length;
    const rateTripped = this.outcomes.length >= this.s.minRequests && failed / this.outcomes.length > this.s.errorRate;
    if (wasProbe || this.consecutive >= this.s.failures || rateTripped) this.open();
  }

  /** Milliseconds until an open breaker lets a probe through (0 when it already would). */
  msUntilProbe(): number {
    if (this.current !== 'open') return 0;
    return Math.max(0, this.s.cooldownMs - (this.now() - this.openedAt));
  }

  private open(): void {
    if (this.current !== 'open') this.openings++;
    this.current = 'open';
    this.openedAt = this.now();
    this.consecutive = 0;
  }
}
