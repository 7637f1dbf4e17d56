import type { RateLimiter, Ticket } from './limiter.js';

// Waiting for the limiter, first come first served: only the head of the queue asks the limiter,
// so a large reservation is never starved by a stream of small ones behind it. The wait is a timer
// that anything changing the limiter's state (a settle, a header) can cut short with kick().

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => performance.now() };

interface Waiter {
  tokens: number;
  resolve: (t: Ticket) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class AdmissionQueue {
  private readonly waiters: Waiter[] = [];
  private head = 0;
  private timer?: NodeJS.Timeout;
  private pumping = false;

  constructor(readonly limiter: RateLimiter, private readonly clock: Clock = systemClock) {}

  get waiting(): number {
    return this.waiters.length - this.head;
  }

  /** A ticket now, when no one is waiting and the limiter admits the request at once (no promise). */
  admitNow(tokens: number): Ticket | undefined {
    if (this.waiting !== 0) return undefined;
    const a = this.limiter.tryAdmit(tokens, this.clock.now());
    return a.admitted ? a.ticket : undefined;
  }

  /** Resolves with a ticket once the limiter admits the request; rejects with signal.reason on abort. */
  acquire(tokens: number, signal?: AbortSignal): Promise<Ticket> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.waiting === 0) {
      const a = this.limiter.tryAdmit(tokens, this.clock.now());
      if (a.admitted) return Promise.resolve(a.ticket);
    }
    return new Promise<Ticket>((resolve, reject) => {
      const w: Waiter = { tokens, resolve, reject, signal };
      if (signal) {
        w.onAbort = () => {
          const i = this.waiters.indexOf(w, this.head);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
          this.kick();
        };
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiters.push(w);
      this.kick();
    });
  }

  /** Something changed (a reservation settled, a pause ended): look at the head again now. */
  kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.pump();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting > 0) {
        const w = this.waiters[this.head]!;
        const a = this.limiter.tryAdmit(w.tokens, this.clock.now());
        if (!a.admitted) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.pump();
          }, Math.max(1, Math.ceil(a.waitMs)));
          return;
        }
        this.head++;
        if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
        w.resolve(a.ticket);
      }
      this.waiters.length = 0;
      this.head = 0;
    } finally {
      if (this.head > 1024 && this.head * 2 > this.waiters.length) {
        this.waiters.splice(0, this.head);
        this.head = 0;
      }
      this.pumping = false;
    }
  }

  /** Stop the timer (end of run). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
