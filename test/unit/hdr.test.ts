import { describe, expect, it } from 'vitest';
import { bucketsOf, HIGHEST, newHistogram, record, sameBuckets, summarize, valueAt, valueAtRank } from '../../src/bench/hdr.js';
import { decodeHistogram, encodeHistogram } from '../../src/bench/hlog.js';
import { Rng } from '../../src/bench/random.js';

// Percentile maths against data whose exact percentiles are known (nearest rank: the smallest
// value with at least p% of the samples at or below it). HdrHistogram with 3 significant digits
// reports the top of the value's bucket: never below the exact value, at most 0.1% above it.

function exactPercentile(sorted: number[], p: number): number {
  // p * n / 100 in exact arithmetic: 99.9 / 100 * 20000 is 19980.000000000004 in floating point.
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100 - 1e-9));
  return sorted[rank - 1]!;
}

function expectWithinBucket(reported: number | null, exact: number): void {
  expect(reported).not.toBeNull();
  expect(reported!).toBeGreaterThanOrEqual(exact - 0.0005);
  expect(reported!).toBeLessThanOrEqual(exact * 1.001 + 0.001);
}

describe('hdr wrapper', () => {
  it('1..1000 ms once each: p50 500, p90 900, p99 990, p99.9 999, max 1000, mean 500.5', () => {
    const h = newHistogram();
    for (let v = 1; v <= 1000; v++) record(h, v);
    const s = summarize(h);
    expect(s.count).toBe(1000);
    expectWithinBucket(s.min, 1);
    expectWithinBucket(s.p50, 500);
    expectWithinBucket(s.p90, 900);
    expectWithinBucket(s.p95, 950);
    expectWithinBucket(s.p99, 990);
    expectWithinBucket(s.p999, 999);
    expectWithinBucket(s.max, 1000);
    expect(Math.abs(s.mean! - 500.5)).toBeLessThan(0.5);
  });

  it('matches nearest-rank percentiles of skewed random latencies within one bucket', () => {
    const rng = new Rng(42);
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) values.push(Math.round(Math.exp(4 + rng.normal() * 0.6) * 1000) / 1000); // lognormal around 55 ms, µs resolution
    const h = newHistogram();
    for (const v of values) record(h, v);
    values.sort((a, b) => a - b);
    for (const p of [1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100]) expectWithinBucket(valueAt(h, p), exactPercentile(values, p));
  });

  it('keeps microsecond resolution for small values', () => {
    const h = newHistogram();
    record(h, 0.001);
    record(h, 1.234);
    expect(summarize(h).min).toBe(0.001);
    expect(summarize(h).max).toBe(1.234);
  });

  it('clamps to 0 and 10 minutes and says so', () => {
    const h = newHistogram();
    expect(record(h, 5)).toBe(true);
    expect(record(h, 700_000)).toBe(false);
    expect(record(h, -3)).toBe(false);
    expect(record(h, Number.NaN)).toBe(false);
    const s = summarize(h);
    expect(s.count).toBe(4);
    expect(s.min).toBe(0);
    expectWithinBucket(s.max, HIGHEST / 1000);
  });

  it('an empty histogram summarises to nulls with count 0', () => {
    expect(summarize(newHistogram())).toEqual({ count: 0, min: null, p50: null, p90: null, p95: null, p99: null, p999: null, max: null, mean: null });
  });

  it('valueAtRank agrees with the library percentile lookup for every rank', () => {
    const h = newHistogram();
    const rng = new Rng(7);
    for (let i = 0; i < 500; i++) record(h, 10 + rng.exponential(30));
    const b = bucketsOf(h);
    expect(b.total).toBe(500);
    for (let k = 1; k <= 500; k++) expect(valueAtRank(b, k)).toBe(valueAt(h, (k / 500) * 100));
  });

  it('survives the base64 compressed encoding bucket for bucket', () => {
    const h = newHistogram();
    const rng = new Rng(3);
    for (let i = 0; i < 5000; i++) record(h, rng.exponential(80));
    const back = decodeHistogram(encodeHistogram(h));
    expect(sameBuckets(h, back)).toBe(true);
    expect(summarize(back)).toEqual(summarize(h));
    record(back, 1);
    expect(sameBuckets(h, back)).toBe(false);
  });
});
