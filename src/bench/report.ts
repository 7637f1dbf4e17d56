import { summarize, type Summary } from './hdr.js';
import { METRICS, OPEN_LOOP_METRICS, STREAM_METRICS, type MetricName } from './metrics.js';
import { subSeed } from './random.js';
import { compareQuantile, type QuantileDiff } from './stats.js';
import type { LoadSummary, RunData, TargetData } from './run-data.js';

// RunData -> the report every output shows (--json as is; tables, CSV and HTML read it).
// Built the same way for a live run and for merged logs, so the two cannot differ.

export interface TargetReport {
  name: string;
  url: string;
  region?: string;
  via?: 'direct' | 'relay';
  simulated: boolean;
  /** Measured requests: ok + errors. Warm-up requests are reported apart. */
  requests: number;
  ok: number;
  errors: number;
  errorRate: number;
  errorsByCode: Record<string, number>;
  warmup: { requests: number; errors: number; errorsByCode: Record<string, number> };
  outputTokens: number;
  /** Successful replies without usage, whose tokens were counted with the tokenizer. */
  estimatedTokens: number;
  throughput: { requestsPerSec: number; outputTokensPerSec: number };
  /** Times in ms (tokensPerSec in tokens/s). Latency metrics cover successful requests; `failed` the rest. */
  metrics: Record<string, Summary>;
}

export interface PairMetric {
  p50: QuantileDiff | null;
  p99: QuantileDiff | null;
}

export interface PairReport {
  region: string;
  direct: string;
  relay: string;
  simulated: boolean;
  /** The metric the headline verdict is about: ttft when streaming, e2e otherwise. */
  primary: MetricName;
  metrics: Partial<Record<MetricName, PairMetric>>;
  errorRate: { direct: number; relay: number };
  verdict: string;
}

export interface BenchReport {
  relay: { version: string };
  seed: number;
  config: Record<string, unknown>;
  startedAt: string;
  durationS: number;
  interrupted: boolean;
  /** Requests in flight when the run was interrupted (not counted as requests or errors). */
  cutOff?: number;
  mergedFrom?: string[];
  load: LoadSummary;
  definitions: Record<string, string>;
  targets: TargetReport[];
  pairs: PairReport[];
}

const round = (v: number, digits = 3) => Math.round(v * 10 ** digits) / 10 ** digits;

export function reportedMetrics(run: Pick<RunData, 'load'>): MetricName[] {
  return [...STREAM_METRICS, ...(run.load.mode === 'open' ? OPEN_LOOP_METRICS : []), 'failed'];
}

function targetReport(t: TargetData, run: RunData, names: MetricName[]): TargetReport {
  const c = t.counts;
  const errors = c.requests - c.ok;
  const seconds = run.durationMs / 1000;
  const metrics: Record<string, Summary> = {};
  for (const m of names) metrics[m] = summarize(t.histograms[m]);
  const warmupErrors = Object.values(c.warmup.errors).reduce((a, b) => a + b, 0);
  return {
    name: t.name, url: t.url, region: t.region, via: t.via, simulated: t.simulated,
    requests: c.requests, ok: c.ok, errors, errorRate: c.requests ? round(errors / c.requests, 6) : 0, errorsByCode: sortCodes(c.errors),
    warmup: { requests: c.warmup.requests, errors: warmupErrors, errorsByCode: sortCodes(c.warmup.errors) },
    outputTokens: c.outputTokens, estimatedTokens: c.estimatedTokens,
    throughput: {
      requestsPerSec: seconds > 0 ? round(c.requests / seconds) : 0,
      outputTokensPerSec: seconds > 0 ? round(c.outputTokens / seconds) : 0,
    },
    metrics,
  };
}

function sortCodes(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

/** Direct/relay pairs: endpoints of one region, one with via direct and one with via relay. */
export function findPairs(targets: ReadonlyArray<Pick<TargetData, 'name' | 'region' | 'via'>>): Array<{ region: string; direct: number; relay: number }> {
  const out: Array<{ region: string; direct: number; relay: number }> = [];
  targets.forEach((r, ri) => {
    const region = r.region;
    if (r.via !== 'relay' || !region) return;
    targets.forEach((d, di) => {
      if (d.via === 'direct' && d.region === region) out.push({ region, direct: di, relay: ri });
    });
  });
  return out;
}

function pairReport(run: RunData, region: string, d: TargetData, r: TargetData, errorRates: [number, number]): PairReport {
  const primary: MetricName = run.stream ? 'ttft' : 'e2e';
  const compared: MetricName[] = run.stream ? ['ttft', 'e2e'] : ['e2e'];
  const metrics: Partial<Record<MetricName, PairMetric>> = {};
  for (const m of compared) {
    const seed = (q: string) => subSeed(run.seed, `pair:${region}:${d.name}:${r.name}:${m}:${q}`);
    metrics[m] = {
      p50: compareQuantile(d.histograms[m], r.histograms[m], 0.5, seed('p50')),
      p99: compareQuantile(d.histograms[m], r.histograms[m], 0.99, seed('p99')),
    };
  }
  const head = metrics[primary]?.p50;
  return {
    region, direct: d.name, relay: r.name, simulated: d.simulated || r.simulated, primary, metrics,
    errorRate: { direct: errorRates[0], relay: errorRates[1] },
    verdict: head ? `${region}: ${head.verdict} (${METRICS[primary].label})` : `${region}: no successful requests to compare`,
  };
}

export function buildReport(run: RunData): BenchReport {
  const names = reportedMetrics(run);
  const targets = run.targets.map((t) => targetReport(t, run, names));
  const pairs = findPairs(run.targets).map(({ region, direct, relay }) =>
    pairReport(run, region, run.targets[direct]!, run.targets[relay]!, [targets[direct]!.errorRate, targets[relay]!.errorRate]));
  const definitions: Record<string, string> = {};
  for (const m of names) definitions[m] = METRICS[m].definition;
  return {
    relay: { version: run.relayVersion },
    seed: run.seed,
    config: run.config,
    startedAt: new Date(run.startMs).toISOString(),
    durationS: round(run.durationMs / 1000),
    interrupted: run.interrupted,
    ...(run.cutOff ? { cutOff: run.cutOff } : {}),
    ...(run.mergedFrom ? { mergedFrom: run.mergedFrom } : {}),
    load: run.load,
    definitions,
    targets,
    pairs,
  };
}
