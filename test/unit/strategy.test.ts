import { describe, expect, it } from 'vitest';
import { choose, ewma, STALE_AFTER, type Candidate } from '../../src/core/strategy.js';

const c = (index: number, latencyMs?: number, extra: Partial<Candidate> = {}): Candidate => ({ index, latencyMs, sinceChosen: 0, ...extra });

function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => { x = (x * 1664525 + 1013904223) >>> 0; return x / 2 ** 32; };
}

describe('route strategies', () => {
  it('priority takes the first healthy endpoint in route order', () => {
    expect(choose('priority', [c(2), c(1), c(3)], 0)?.index).toBe(1);
  });

  it('round-robin cycles through the healthy endpoints in order', () => {
    const cands = [c(0), c(1), c(2)];
    expect([0, 1, 2, 3].map((rr) => choose('round-robin', cands, rr)?.index)).toEqual([0, 1, 2, 0]);
  });

  it('cost takes the cheapest priced endpoint, ties by order, and falls back to priority when none is priced', () => {
    expect(choose('cost', [c(0, 5, { priceUsd: 0.02 }), c(1, 5, { priceUsd: 0.01 }), c(2, 5, { priceUsd: 0.01 })], 0)?.index).toBe(1);
    expect(choose('cost', [c(1), c(0)], 0)?.index).toBe(0);
  });

  it('latency measures every endpoint first, then sends at least 80% to the fastest', () => {
    expect(choose('latency', [c(0, 20), c(1), c(2, 5)], 0)?.index).toBe(1);
    const rnd = seeded(42);
    const cands = [c(0, 150), c(1, 20), c(2, 60)];
    let fastest = 0;
    for (let i = 0; i < 1000; i++) if (choose('latency', cands, i, rnd)?.index === 1) fastest++;
    expect(fastest).toBeGreaterThanOrEqual(800);
    expect(fastest).toBeLessThan(1000); // exploration still happens
  });

  it('latency re-tries an endpoint that has not been chosen for a long time', () => {
    const cands = [c(0, 20), c(1, 500, { sinceChosen: STALE_AFTER })];
    expect(choose('latency', cands, 0, () => 0.99)?.index).toBe(1);
  });

  it('EWMA follows a change within a handful of samples', () => {
    let v = ewma(undefined, 20);
    expect(v).toBe(20);
    for (let i = 0; i < 8; i++) v = ewma(v, 200);
    expect(v).toBeGreaterThan(180);
  });
});
