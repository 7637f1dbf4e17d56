import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { arrivals, runLoad, targetOrder, type Job } from '../../src/bench/scheduler.js';

function take<T>(it: Iterator<T>, n: number): T[] {
  return Array.from({ length: n }, () => it.next().value as T);
}

describe('arrivals', () => {
  it('constant: the i-th request is due at exactly i / rate (absolute times, no drift)', () => {
    const interval = 1000 / 7;
    const times = take(arrivals(7, 'constant', 1), 100_001);
    expect(times[0]).toBe(0);
    expect(times[100_000]).toBe(100_000 * interval);
    // Adding the interval up instead would have drifted: the schedule must not be built that way.
    let summed = 0;
    for (let i = 0; i < 100_000; i++) summed += interval;
    expect(summed).not.toBe(times[100_000]);
  });

  it('poisson: seeded, mean gap 1/rate, gaps spread like an exponential', () => {
    const a = take(arrivals(200, 'poisson', 7), 20_001);
    expect(take(arrivals(200, 'poisson', 7), 20_001)).toEqual(a);
    expect(take(arrivals(200, 'poisson', 8), 10)).not.toEqual(a.slice(0, 10));
    const gaps = a.slice(1).map((t, i) => t - a[i]!);
    const mean = gaps.reduce((x, y) => x + y, 0) / gaps.length;
    expect(mean).toBeGreaterThan(5 * 0.97);
    expect(mean).toBeLessThan(5 * 1.03);
    // For an exponential, about 63.2% of gaps are shorter than the mean.
    const short = gaps.filter((g) => g < 5).length / gaps.length;
    expect(short).toBeGreaterThan(0.61);
    expect(short).toBeLessThan(0.65);
    expect(gaps.every((g) => g > 0 && Number.isFinite(g))).toBe(true);
  });
});

describe('targetOrder', () => {
  it('every block of N holds each target once, in a seeded shuffled order', () => {
    const order = take(targetOrder(3, 5), 300);
    for (let b = 0; b < 100; b++) expect([...order.slice(b * 3, b * 3 + 3)].sort()).toEqual([0, 1, 2]);
    expect(take(targetOrder(3, 5), 300)).toEqual(order);
    const firsts = new Set(Array.from({ length: 100 }, (_, b) => order[b * 3]));
    expect(firsts.size).toBe(3); // not always the same target first
  });
});

describe('runLoad', () => {
  it('closed loop: N per target, never more than C in flight, each job once', async () => {
    let inFlight = 0;
    let peak = 0;
    const jobs: Job[] = [];
    const stats = await runLoad({ mode: 'closed', targets: 3, perTarget: 40, concurrency: 5, seed: 1 }, async (job) => {
      jobs.push(job);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(job.seq % 3); // a server taking 0-2 ms
      inFlight--;
    });
    expect(stats.sent).toBe(120);
    expect(peak).toBe(5);
    expect(jobs.map((j) => j.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i));
    for (const t of [0, 1, 2]) expect(jobs.filter((j) => j.target === t)).toHaveLength(40);
  });

  it('open loop with a cap: nothing dropped, late sends counted, sends never before their time', async () => {
    const sentAt: Array<{ job: Job; at: number }> = [];
    const t0 = performance.now();
    const stats = await runLoad({ mode: 'open', targets: 2, perTarget: 20, concurrency: 2, rate: 2000, arrival: 'constant', seed: 3 }, async (job) => {
      sentAt.push({ job, at: performance.now() - t0 });
      await sleep(4); // each reply takes 4 ms while one is due every 0.5 ms: the cap of 2 holds requests back
    }, undefined, t0);
    expect(stats.sent).toBe(40);
    expect(sentAt).toHaveLength(40);
    expect(sentAt.map((s) => s.job.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(stats.delayedByCap).toBeGreaterThan(20);
    for (const s of sentAt) expect(s.at).toBeGreaterThanOrEqual(s.job.intended);
    expect(sentAt.map((s) => s.job.intended)).toEqual(Array.from({ length: 40 }, (_, i) => i * 0.5));
  });

  it('open loop: an abort stops scheduling and waits for the requests in flight', async () => {
    const controller = new AbortController();
    let finished = 0;
    const stats = await runLoad({ mode: 'open', targets: 1, durationMs: 60_000, concurrency: 10, rate: 500, seed: 1 }, async (job) => {
      if (job.seq === 5) controller.abort();
      await sleep(1);
      finished++;
    }, controller.signal);
    expect(stats.sent).toBe(6);
    expect(finished).toBe(6);
  });
});
