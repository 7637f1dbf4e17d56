import { describe, expect, it } from 'vitest';
import { bucketsOf, newHistogram, record, valueAtRank } from '../../src/bench/hdr.js';
import { Rng } from '../../src/bench/random.js';
import { compareQuantile, rankOf, resampledQuantile, verdict } from '../../src/bench/stats.js';

function histogramOf(values: number[]) {
  const h = newHistogram();
  for (const v of values) record(h, v);
  return h;
}

function latencies(seed: number, n: number, base: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => base + rng.exponential(20));
}

describe('rankOf', () => {
  it.each([
    [0.5, 100, 50], [0.5, 101, 51], [0.99, 100, 99], [0.99, 1000, 990], [0.999, 100, 100], [0, 10, 1], [1, 10, 10], [0.5, 1, 1],
  ])('q=%s of n=%s is rank %s', (q, n, k) => expect(rankOf(q, n)).toBe(k));
});

describe('bootstrap of a percentile difference', () => {
  it('relay 100 ms faster: negative difference, interval around -100, plain verdict', () => {
    const direct = histogramOf(latencies(1, 400, 300));
    const relay = histogramOf(latencies(2, 400, 200));
    const d = compareQuantile(direct, relay, 0.5, 11)!;
    expect(d.diffMs).toBeLessThan(-80);
    expect(d.diffMs).toBeGreaterThan(-120);
    expect(d.ci95![0]).toBeLessThanOrEqual(d.diffMs);
    expect(d.ci95![1]).toBeGreaterThanOrEqual(d.diffMs);
    expect(d.ci95![1]).toBeLessThan(0);
    expect(d.verdict).toMatch(/^relay faster by \d+(\.\d+)? ms at p50, 95% CI \d+(\.\d+)?-\d+(\.\d+)?$/);
    expect(d.diffPct).toBeCloseTo((d.diffMs / d.directMs) * 100, 2);
  });

  it('relay slower: positive difference and "slower" verdict', () => {
    const d = compareQuantile(histogramOf(latencies(1, 300, 100)), histogramOf(latencies(2, 300, 160)), 0.99, 5)!;
    expect(d.diffMs).toBeGreaterThan(0);
    expect(d.verdict).toMatch(/^relay slower by .* at p99/);
  });

  it('the same distribution: the interval holds 0 and the verdict says no clear difference', () => {
    const d = compareQuantile(histogramOf(latencies(1, 500, 100)), histogramOf(latencies(2, 500, 100)), 0.5, 3)!;
    expect(d.ci95![0]).toBeLessThanOrEqual(0);
    expect(d.ci95![1]).toBeGreaterThanOrEqual(0);
    expect(d.verdict).toMatch(/^no clear difference at p50/);
  });

  it('is repeatable with a seed', () => {
    const a = histogramOf(latencies(1, 200, 100));
    const b = histogramOf(latencies(2, 200, 90));
    expect(compareQuantile(a, b, 0.5, 9)).toEqual(compareQuantile(a, b, 0.5, 9));
  });

  it('no samples on a side: no comparison; one sample: no interval', () => {
    expect(compareQuantile(newHistogram(), histogramOf([1, 2]), 0.5, 1)).toBeNull();
    const d = compareQuantile(histogramOf([10]), histogramOf([5]), 0.5, 1)!;
    expect(d.ci95).toBeNull();
    expect(d.verdict).toMatch(/^not enough samples/);
  });

  it('the order-statistic shortcut matches a plain resample-everything bootstrap', () => {
    // 61 samples: resample 61 with replacement and take the median, many times; compare the spread.
    const rng = new Rng(17);
    const b = bucketsOf(histogramOf(Array.from({ length: 61 }, () => 50 + rng.exponential(30))));
    const sorted = Array.from({ length: 61 }, (_, i) => valueAtRank(b, i + 1)); // the samples as the histogram holds them
    const reps = 20_000;
    const naive = new Float64Array(reps);
    const fast = new Float64Array(reps);
    const r1 = new Rng(1);
    const r2 = new Rng(2);
    const k = rankOf(0.5, 61);
    const draw = new Float64Array(61);
    for (let i = 0; i < reps; i++) {
      for (let j = 0; j < 61; j++) draw[j] = sorted[r1.int(61)]!;
      naive[i] = draw.sort()[k - 1]!;
      fast[i] = resampledQuantile(b, 0.5, r2);
    }
    naive.sort();
    fast.sort();
    for (const q of [0.025, 0.25, 0.5, 0.75, 0.975]) {
      const i = Math.floor(q * (reps - 1));
      expect(Math.abs(fast[i]! - naive[i]!)).toBeLessThanOrEqual(naive[i]! * 0.03);
    }
  });
});

describe('verdict wording', () => {
  it.each([
    [-173, [-178, -168], 'relay faster by 173 ms at p50, 95% CI 168-178'],
    [25, [21, 29], 'relay slower by 25.0 ms at p50, 95% CI 21.0-29.0'],
    [3, [-4, 9], 'no clear difference at p50 (relay +3.00 ms, 95% CI -4.00 to +9.00)'],
  ] as Array<[number, [number, number], string]>)('%s ms', (diff, ci, text) => expect(verdict('p50', diff, ci)).toBe(text));
});
