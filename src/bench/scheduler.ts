import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Rng, subSeed } from './random.js';

// The two load models. Closed loop: C workers, each sends its next request when its last one
// ended (service time). Open loop: requests are due at absolute times computed from the start
// (i / rate, or a seeded Poisson sum), never from the previous send, so timer lateness never
// accumulates; a request held back by the concurrency cap is sent late, counted, and its
// delay shows in the response time. Nothing here measures latency: `exec` does.

export interface LoadPlan {
  mode: 'closed' | 'open';
  targets: number;
  /** Requests per target; or run for durationMs. */
  perTarget?: number;
  durationMs?: number;
  /** Closed loop: workers. Open loop: most requests in flight at once (the cap). */
  concurrency: number;
  /** Open loop: requests per second over all targets. */
  rate?: number;
  arrival?: 'constant' | 'poisson';
  seed: number;
}

export interface Job {
  seq: number;
  target: number;
  /** Intended send time, ms after the start (closed loop: the moment the worker picked it). */
  intended: number;
}

export interface LoadStats {
  /** Jobs handed to exec. */
  sent: number;
  /** Open loop: jobs that had to wait for a free slot under the cap. */
  delayedByCap: number;
  /** ms from start to the last send. */
  firstSendMs: number;
  lastSendMs: number;
  /** Open loop: (sent - 1) / (last send - first send), per second. */
  achievedRate?: number;
  /** performance.now() at the start: every Job time is relative to it. */
  t0: number;
  elapsedMs: number;
}

/**
 * Targets in a seeded interleaved order: blocks that each hold every target once, shuffled, so
 * drift over time hits every target alike and counts never differ by more than one.
 */
export function* targetOrder(targets: number, seed: number): Generator<number, never> {
  const rng = new Rng(subSeed(seed, 'order'));
  const block = Array.from({ length: targets }, (_, i) => i);
  for (;;) {
    rng.shuffle(block);
    for (const t of block) yield t;
  }
}

/** Intended send times (ms after the start), absolute: the i-th is never derived from a send. */
export function* arrivals(rate: number, arrival: 'constant' | 'poisson', seed: number): Generator<number, never> {
  const interval = 1000 / rate;
  if (arrival === 'constant') {
    for (let i = 0; ; i++) yield i * interval;
  }
  const rng = new Rng(subSeed(seed, 'arrivals'));
  let t = 0;
  for (;;) {
    yield t;
    t += rng.exponential(interval);
  }
}

class Slots {
  private free: number;
  private readonly waiters: Array<() => void> = [];
  private idleWaiter: (() => void) | undefined;
  private inFlight = 0;

  constructor(n: number) {
    this.free = n;
  }

  get full(): boolean {
    return this.free <= 0;
  }

  take(): Promise<void> | undefined {
    this.inFlight++;
    if (this.free > 0) {
      this.free--;
      return undefined;
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    this.inFlight--;
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
    if (this.inFlight === 0 && this.idleWaiter) this.idleWaiter();
  }

  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => { this.idleWaiter = resolve; });
  }
}

/**
 * Waits until performance.now() reaches `due`, on timers only. Sends are then up to about a
 * millisecond late (reported as send lag, and counted in response time), but service times are
 * measured from the actual send, so lateness does not touch them. Spinning the event loop for
 * the last millisecond instead made sends punctual but allocated a promise per turn: at 1,000
 * requests/s the garbage collector's pauses then landed inside measured TTFTs (p99 off by 10+ ms).
 */
async function until(due: number, signal?: AbortSignal): Promise<void> {
  for (;;) {
    const wait = due - performance.now();
    if (wait <= 0 || signal?.aborted) return;
    await sleep(wait, undefined, { ref: true });
  }
}

/** Runs the plan; `t0` (performance.now() time) is the start every Job time is relative to. */
export async function runLoad(plan: LoadPlan, exec: (job: Job) => Promise<void>, signal?: AbortSignal, t0 = performance.now()): Promise<LoadStats> {
  const order = targetOrder(plan.targets, plan.seed);
  const total = plan.perTarget !== undefined ? plan.perTarget * plan.targets : Infinity;
  const stats: LoadStats = { sent: 0, delayedByCap: 0, firstSendMs: 0, lastSendMs: 0, t0, elapsedMs: 0 };
  const note = (at: number) => {
    if (stats.sent === 0) stats.firstSendMs = at;
    stats.lastSendMs = at;
    stats.sent++;
  };
  const over = (seq: number, at: number) => seq >= total || (plan.durationMs !== undefined && at >= plan.durationMs) || signal?.aborted;

  if (plan.mode === 'closed') {
    let seq = 0;
    const worker = async () => {
      for (;;) {
        const at = performance.now() - t0;
        if (over(seq, at)) return;
        const job: Job = { seq: seq++, target: order.next().value, intended: at };
        note(at);
        await exec(job);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(plan.concurrency, total)) }, worker));
  } else {
    if (!plan.rate || plan.rate <= 0) throw new Error('open loop needs a rate');
    const times = arrivals(plan.rate, plan.arrival ?? 'constant', plan.seed);
    const slots = new Slots(plan.concurrency);
    for (let seq = 0; ; seq++) {
      const intended = times.next().value;
      if (over(seq, intended)) break;
      await until(t0 + intended, signal);
      if (signal?.aborted) break;
      const target = order.next().value;
      if (slots.full) stats.delayedByCap++;
      const wait = slots.take();
      if (wait) await wait;
      note(performance.now() - t0);
      void exec({ seq, target, intended }).finally(() => slots.release());
    }
    await slots.idle();
    if (stats.sent > 1 && stats.lastSendMs > stats.firstSendMs) {
      stats.achievedRate = ((stats.sent - 1) * 1000) / (stats.lastSendMs - stats.firstSendMs);
    }
  }
  stats.elapsedMs = performance.now() - t0;
  return stats;
}
