import { createRequire } from 'node:module';
import type { Histogram } from 'hdr-histogram-js';

// The one place that knows how relay's histograms are built (DESIGN 6): integers in microseconds
// (or milli-tokens/s for rates), 3 significant digits, 1 µs to 10 min. Every summary figure is read
// from bucket counts only, so a histogram rebuilt from an interval log reports exactly the same.

export type { Histogram };

// The package's index also loads its WebAssembly build, pako and base64 (about 12 MB of memory);
// recording needs only the plain 32-bit histogram. Encoding lives in hlog.ts, loaded when used.
const Int32Histogram = (createRequire(import.meta.url)('hdr-histogram-js/dist/Int32Histogram.js') as {
  default: new (lowest: number, highest: number, digits: number) => Histogram;
}).default;

/** Recorded integer = value × SCALE: ms -> µs, tokens/s -> milli-tokens/s. */
export const SCALE = 1000;
export const LOWEST = 1;
export const HIGHEST = 600_000_000;
export const DIGITS = 3;

export function newHistogram(): Histogram {
  const h = new Int32Histogram(LOWEST, HIGHEST, DIGITS);
  h.autoResize = false;
  return h;
}

/** Records a value given in ms (or tokens/s). Returns false when it had to be clamped to the range. */
export function record(h: Histogram, value: number): boolean {
  let v = Math.round(value * SCALE);
  let inRange = true;
  if (!(v >= 0)) { v = 0; inRange = false; } // NaN and negatives (a clock step) land at 0
  if (v > HIGHEST) { v = HIGHEST; inRange = false; }
  h.recordValue(v);
  return inRange;
}

export interface Summary {
  count: number;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  mean: number | null;
}

const round3 = (v: number) => Math.round(v) / SCALE;

export function summarize(h: Histogram): Summary {
  const count = h.totalCount;
  if (count === 0) return { count: 0, min: null, p50: null, p90: null, p95: null, p99: null, p999: null, max: null, mean: null };
  const at = (p: number) => round3(h.getValueAtPercentile(p));
  return {
    count,
    min: at(0),
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    // max and mean from the buckets (not the raw max), so a merged log gives the same figure
    max: at(100),
    mean: round3(h.mean),
  };
}

/** Value (ms) at a percentile 0..100, with HdrHistogram's rank rule. */
export function valueAt(h: Histogram, percentile: number): number {
  return h.getValueAtPercentile(percentile) / SCALE;
}

/** Non-empty buckets in order: each bucket's highest equivalent value (ms) and the cumulative count. */
export interface Buckets {
  values: Float64Array;
  cumulative: Float64Array;
  total: number;
}

export function bucketsOf(h: Histogram): Buckets {
  const values: number[] = [];
  const cumulative: number[] = [];
  let total = 0;
  const it = (h as unknown as { recordedValuesIterator: { reset(): void; hasNext(): boolean; next(): { valueIteratedTo: number; countAtValueIteratedTo: number } } }).recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    total += v.countAtValueIteratedTo;
    values.push(v.valueIteratedTo / SCALE);
    cumulative.push(total);
  }
  return { values: Float64Array.from(values), cumulative: Float64Array.from(cumulative), total };
}

/** The value of the k-th smallest sample (1-based) among the buckets. */
export function valueAtRank(b: Buckets, k: number): number {
  let lo = 0;
  let hi = b.cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (b.cumulative[mid]! >= k) hi = mid;
    else lo = mid + 1;
  }
  return b.values[lo]!;
}

/** Same counts in the same buckets (the merge guarantee). */
export function sameBuckets(a: Histogram, b: Histogram): boolean {
  const x = bucketsOf(a);
  const y = bucketsOf(b);
  if (x.values.length !== y.values.length || x.total !== y.total) return false;
  for (let i = 0; i < x.values.length; i++) {
    if (x.values[i] !== y.values[i] || x.cumulative[i] !== y.cumulative[i]) return false;
  }
  return true;
}
