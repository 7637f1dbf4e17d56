import { bucketsOf, valueAtRank, type Buckets, type Histogram } from './hdr.js';
import { num } from './format.js';
import { Rng } from './random.js';

// Direct versus relay: the difference of a percentile, with a seeded bootstrap 95% interval.
//
// Resampling n values from the recorded distribution and taking the k-th smallest is the same
// as drawing U ~ Beta(k, n - k + 1) (the k-th order statistic of n uniforms) and reading the
// empirical quantile function at U. So each bootstrap replicate costs two Beta draws and two
// binary searches, however many requests were recorded, and the interval is the one a naive
// resample-everything bootstrap would converge to.

export const BOOTSTRAP_REPS = 2000;

/** 1-based rank of percentile q (0..1) among n values: HdrHistogram's rule (round up, at least 1). */
export function rankOf(q: number, n: number): number {
  const exact = q * n;
  return Math.min(n, Math.max(1, Math.ceil(exact - exact * 1e-12)));
}

/** One bootstrap replicate of the q-quantile of a resample of the same size. */
export function resampledQuantile(b: Buckets, q: number, rng: Rng): number {
  const n = b.total;
  const k = rankOf(q, n);
  const u = rng.beta(k, n - k + 1);
  return valueAtRank(b, Math.min(n, Math.max(1, Math.ceil(u * n))));
}

export interface QuantileDiff {
  /** 0.5, 0.99 */
  q: number;
  directMs: number;
  relayMs: number;
  /** relay minus direct: negative means the relay is faster. */
  diffMs: number;
  /** diff as a share of direct, in %. */
  diffPct: number;
  /** 95% interval of diffMs; null when a side has fewer than 2 samples. */
  ci95: [number, number] | null;
  verdict: string;
}

function percentileName(q: number): string {
  return `p${String(+(q * 100).toFixed(3)).replace('.', '')}`;
}

export function compareQuantile(direct: Histogram | Buckets, relay: Histogram | Buckets, q: number, seed: number, reps = BOOTSTRAP_REPS): QuantileDiff | null {
  const d = 'cumulative' in direct ? direct : bucketsOf(direct);
  const r = 'cumulative' in relay ? relay : bucketsOf(relay);
  if (d.total === 0 || r.total === 0) return null;
  const directMs = valueAtRank(d, rankOf(q, d.total));
  const relayMs = valueAtRank(r, rankOf(q, r.total));
  const diffMs = round3(relayMs - directMs);
  let ci95: [number, number] | null = null;
  if (d.total >= 2 && r.total >= 2) {
    const rng = new Rng(seed);
    const diffs = new Float64Array(reps);
    for (let i = 0; i < reps; i++) diffs[i] = resampledQuantile(r, q, rng) - resampledQuantile(d, q, rng);
    diffs.sort();
    ci95 = [round3(diffs[Math.floor(0.025 * (reps - 1))]!), round3(diffs[Math.ceil(0.975 * (reps - 1))]!)];
  }
  const diffPct = directMs > 0 ? round3((diffMs / directMs) * 100) : 0;
  return { q, directMs, relayMs, diffMs, diffPct, ci95, verdict: verdict(percentileName(q), diffMs, ci95) };
}

/** "relay faster by 173 ms at p50, 95% CI 168-178" and its siblings. */
export function verdict(at: string, diffMs: number, ci: [number, number] | null): string {
  if (!ci) return `not enough samples to compare at ${at} (relay ${signed(diffMs)} ms)`;
  const [lo, hi] = ci;
  if (hi < 0) return `relay faster by ${num(-diffMs)} ms at ${at}, 95% CI ${num(-hi)}-${num(-lo)}`;
  if (lo > 0) return `relay slower by ${num(diffMs)} ms at ${at}, 95% CI ${num(lo)}-${num(hi)}`;
  return `no clear difference at ${at} (relay ${signed(diffMs)} ms, 95% CI ${signed(lo)} to ${signed(hi)})`;
}

function signed(v: number): string {
  return `${v > 0 ? '+' : v < 0 ? '-' : ''}${num(Math.abs(v))}`;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
