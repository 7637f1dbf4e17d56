import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenBucket } from '../../src/limit/token-bucket.js';
import { RateLimiter, type Ticket } from '../../src/limit/limiter.js';
import { AdmissionQueue } from '../../src/limit/queue.js';
import { completionReserve, reservationTokens } from '../../src/limit/estimate.js';
import type { ChatRequest } from '../../src/core/types.js';

/** Admit `count` requests of `cost` tokens each as early as the limiter allows; returns admission times. */
function drive(l: RateLimiter, count: number, cost = 0, start = 0): number[] {
  const times: number[] = [];
  let now = start;
  for (let i = 0; i < count; i++) {
    for (let guard = 0; guard < 1000; guard++) {
      const a = l.tryAdmit(cost, now);
      if (a.admitted) {
        times.push(now);
        if (a.ticket.tokens > 0) l.settle(a.ticket, undefined, now);
        break;
      }
      now += a.waitMs;
    }
  }
  return times;
}

describe('TokenBucket', () => {
  it.each([
    // perMinute, capacity (one second's worth, at least 1)
    [600, 10],
    [60_000, 1000],
    [30, 1],
    [90, 1.5],
  ])('--%s per minute holds %s', (limit, capacity) => {
    expect(new TokenBucket(limit, 0).capacity).toBe(capacity);
  });

  it('starts empty and refills continuously at limit/60 per second', () => {
    const b = new TokenBucket(600, 0);
    expect(b.levelAt(0)).toBe(0);
    expect(b.levelAt(250)).toBeCloseTo(2.5);
    expect(b.levelAt(5000)).toBe(10); // capped at one second's worth
  });

  it('admits a cost larger than the bucket when full and leaves it in debt', () => {
    const b = new TokenBucket(600, 0); // 10 per second, capacity 10
    expect(b.waitMs(50, 0)).toBeCloseTo(1000); // waits for a full bucket, not for 50 (which never comes)
    b.take(50, 1000);
    expect(b.levelAt(1000)).toBeCloseTo(-40);
    expect(b.waitMs(1, 1000)).toBeCloseTo(4100); // the debt is waited out: (40 + 1) / 10 per second
  });

  it('refunds are capped at the capacity; charges can go into debt', () => {
    const b = new TokenBucket(600, 0);
    b.adjust(100, 0);
    expect(b.levelAt(0)).toBe(10);
    b.adjust(-25, 0);
    expect(b.levelAt(0)).toBe(-15);
  });
});

describe('RateLimiter pacing', () => {
  it('--rpm 600 sends 10 a second from the first second and 201 in 20 s, never a burst', () => {
    const times = drive(new RateLimiter({ rpm: 600 }, 0), 201);
    expect(times[0]).toBe(0); // the first one goes at once
    expect(times.filter((t) => t < 1000).length).toBe(10);
    expect(times[200]).toBeCloseTo(20_000, 0);
    // No one-second window ever holds more than 10 + 1.
    for (let i = 0; i + 11 < times.length; i++) expect(times[i + 11]! - times[i]!).toBeGreaterThanOrEqual(1000 - 1e-6);
  });

  it('after an idle minute only one second worth goes at once (not 600)', () => {
    const l = new RateLimiter({ rpm: 600 }, 0);
    let n = 0;
    while (l.tryAdmit(0, 60_000).admitted) n++;
    expect(n).toBe(10);
  });

  it.each([600, 6_000, 60_000])('long-run rate at --rpm %s is exact', (rpm) => {
    const times = drive(new RateLimiter({ rpm }, 0), rpm / 6); // ten seconds' worth
    const achieved = ((times.length - 1) / times[times.length - 1]!) * 60_000;
    expect(Math.abs(achieved - rpm) / rpm).toBeLessThan(0.001);
  });

  it('tokens: a mix of small and oversized requests keeps the long-run token rate exact and never hangs', () => {
    const l = new RateLimiter({ tpm: 6_000 }, 0); // 100 tokens a second, bucket holds 100
    const costs = [30, 500, 20, 20, 5_000, 80, 150, 10];
    let now = 0;
    let spent = 0;
    for (let round = 0; round < 20; round++) {
      for (const c of costs) {
        const t = drive(l, 1, c, now);
        now = t[0]!;
        spent += c;
      }
    }
    // Everything admitted by `now` fits the rate plus one bucket of slack.
    expect(spent).toBeLessThanOrEqual((now / 1000) * 100 + 100 + 5_000);
    expect(spent).toBeGreaterThanOrEqual((now / 1000) * 100 - 100);
  });

  it('a request larger than a whole minute of --tpm runs alone: it waits for outstanding reservations', () => {
    const l = new RateLimiter({ tpm: 1_200 }, 0); // 20 tokens a second
    expect(l.isOversize(5_000)).toBe(true);
    const small = l.tryAdmit(10, 1000);
    expect(small.admitted).toBe(true);
    const big = l.tryAdmit(5_000, 5000);
    expect(big).toMatchObject({ admitted: false, reason: 'alone' });
    l.settle((small as { ticket: Ticket }).ticket, 10, 5000);
    expect(l.tryAdmit(5_000, 5000).admitted).toBe(true);
    // Its debt holds the next one back for about 4 minutes, not for ever.
    const next = l.tryAdmit(10, 5000);
    expect(next.admitted).toBe(false);
    expect((next as { waitMs: number }).waitMs).toBeGreaterThan(240_000);
    expect((next as { waitMs: number }).waitMs).toBeLessThan(260_000);
  });

  it('usage settles the reservation: unused tokens come back, extra ones are charged', () => {
    const l = new RateLimiter({ tpm: 60_000 }, 0); // 1000 a second
    const a = l.tryAdmit(900, 1000);
    expect(a.admitted).toBe(true);
    expect(l.tokens!.levelAt(1000)).toBeCloseTo(100);
    l.settle((a as { ticket: Ticket }).ticket, 300, 1000);
    expect(l.tokens!.levelAt(1000)).toBeCloseTo(700);
    const b = l.tryAdmit(100, 1000);
    l.settle((b as { ticket: Ticket }).ticket, 1_600, 1000);
    expect(l.tokens!.levelAt(1000)).toBeCloseTo(-900);
    // Settling twice changes nothing.
    l.settle((b as { ticket: Ticket }).ticket, 0, 1000);
    expect(l.tokens!.levelAt(1000)).toBeCloseTo(-900);
  });
});

describe('RateLimiter listens to the server', () => {
  it.each([
    [{ remainingRequests: 0, resetRequestsMs: 6_000 }, 6_000],
    [{ remainingTokens: 0, resetTokensMs: 1_500 }, 1_500],
    [{ remainingRequests: 3, resetRequestsMs: 6_000 }, 0],
    [{ remainingRequests: 0 }, 0],
  ])('headers %j pause admissions for %s ms', (rl, pause) => {
    const l = new RateLimiter({}, 0);
    l.observe({ source: 'openai', ...rl }, 100);
    const a = l.tryAdmit(0, 100);
    if (pause === 0) expect(a.admitted).toBe(true);
    else expect(a).toMatchObject({ admitted: false, reason: 'server', waitMs: pause });
    expect(l.tryAdmit(0, 100 + pause).admitted).toBe(true);
  });

  it('what remains of the request window, less the requests still in flight, is all that is sent before the reset', () => {
    const l = new RateLimiter({}, 0);
    const tickets = Array.from({ length: 4 }, () => (l.tryAdmit(0, 0) as { ticket: Ticket }).ticket);
    // The first reply says 3 remain; the 3 others in flight may not have been counted yet: none left.
    l.observe({ source: 'openai', remainingRequests: 3, resetRequestsMs: 1_000 }, 10);
    l.settle(tickets[0]!, 0, 10);
    expect(l.tryAdmit(0, 20)).toMatchObject({ admitted: false, reason: 'server', waitMs: 990 });
    // After the reset, and with nothing else in flight, the remaining count is the budget.
    for (const t of tickets.slice(1)) l.settle(t, 0, 1_010);
    const last = (l.tryAdmit(0, 1_010) as { ticket: Ticket }).ticket;
    expect(last).toBeDefined();
    l.observe({ source: 'openai', remainingRequests: 2, resetRequestsMs: 500 }, 1_020);
    l.settle(last, 0, 1_020);
    expect(l.tryAdmit(0, 1_020).admitted).toBe(true);
    expect(l.tryAdmit(0, 1_020).admitted).toBe(true);
    expect(l.tryAdmit(0, 1_020)).toMatchObject({ admitted: false, reason: 'server' });
  });

  it('a 429 lowers the pace, successes bring it back', () => {
    const l = new RateLimiter({ rpm: 600 }, 0);
    l.onRateLimited(0);
    expect(l.pace).toBeCloseTo(0.8);
    for (let i = 0; i < 20; i++) l.onRateLimited(0);
    expect(l.pace).toBeCloseTo(0.1); // floor
    const slow = drive(l, 11, 0, 0);
    expect(slow[10]! - slow[0]!).toBeCloseTo(10_000, -1); // 1 a second at a tenth of the pace
    for (let i = 0; i < 100; i++) l.onSuccess(0);
    expect(l.pace).toBe(1);
  });

  it('random 10% 429s keep most of the pace', () => {
    const l = new RateLimiter({}, 0);
    for (let i = 0; i < 1000; i++) {
      if (i % 10 === 0) l.onRateLimited(0);
      else l.onSuccess(0);
    }
    expect(l.pace).toBeGreaterThan(0.7);
  });
});

describe('reservation estimate (R25)', () => {
  const r25 = JSON.parse(readFileSync(new URL('../../fixtures/batch/R25-tpm-estimate-n-times-max-tokens.jsonl', import.meta.url), 'utf8')).body as ChatRequest;

  it.each([
    [{ n: 5, max_tokens: 1000 }, 5000],
    [{ n: 5, max_tokens: 1000, max_completion_tokens: 300 }, 1500],
    [{ max_tokens: 64 }, 64],
    [{ n: 0, max_tokens: 64 }, 64],
    [{}, 256],
  ])('completion reserve of %j is %s', (req, want) => {
    expect(completionReserve(req)).toBe(want);
  });

  it('the R25 line reserves prompt + 5 x 1000, so a 10k TPM limit spaces two of them by 36 s', async () => {
    const { prompt, total } = await reservationTokens(r25);
    expect(prompt).toBeGreaterThan(5);
    expect(total).toBe(prompt + 5000);
    const l = new RateLimiter({ tpm: 10_000 }, 0);
    const times = drive(l, 2, total);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(((total - 0) / (10_000 / 60)) * 1000 - 1);
    expect(times[1]! - times[0]!).toBeGreaterThan(30_000);
  });
});

describe('AdmissionQueue', () => {
  afterEach(() => vi.useRealTimers());

  it('serves waiters first come first served: a large reservation is not starved by small ones', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const l = new RateLimiter({ tpm: 6_000 }, Date.now());
    const q = new AdmissionQueue(l, { now: () => Date.now() });
    const order: string[] = [];
    const big = q.acquire(90).then((t) => { order.push('big'); l.settle(t, 90, Date.now()); });
    const smalls = [1, 2, 3].map((i) => q.acquire(5).then((t) => { order.push(`s${i}`); l.settle(t, 5, Date.now()); }));
    await vi.advanceTimersByTimeAsync(5_000);
    await Promise.all([big, ...smalls]);
    expect(order).toEqual(['big', 's1', 's2', 's3']);
    q.close();
  });

  it('an aborted waiter leaves the queue at once with the abort reason', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const l = new RateLimiter({ rpm: 60 }, Date.now());
    const q = new AdmissionQueue(l, { now: () => Date.now() });
    await q.acquire(0); // the first request goes at once; the next two wait a second each
    const ac = new AbortController();
    const p = q.acquire(0, ac.signal);
    const behind = q.acquire(0);
    ac.abort(new Error('SIGINT'));
    await expect(p).rejects.toThrow('SIGINT');
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(behind).resolves.toMatchObject({ settled: false });
    expect(q.waiting).toBe(0);
    q.close();
  });
});
