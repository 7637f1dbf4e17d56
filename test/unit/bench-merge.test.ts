import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newHistogram, record, sameBuckets, summarize } from '../../src/bench/hdr.js';
import { IntervalLogs, readIntervalLog } from '../../src/bench/hlog.js';
import { mergeRuns, writeManifest } from '../../src/bench/merge.js';
import { Rng } from '../../src/bench/random.js';
import { TargetRecorder, type Sample } from '../../src/bench/recorder.js';
import { buildReport } from '../../src/bench/report.js';
import type { RunData } from '../../src/bench/run-data.js';
import type { Outcome } from '../../src/bench/send.js';

// Two runs' interval logs merged must equal one histogram built from both sets of samples,
// bucket for bucket, and give the same report.

const root = mkdtempSync(join(tmpdir(), 'relay-merge-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const TARGETS = [
  { name: 'sg-direct', url: 'http://127.0.0.1:1/sg-direct/v1', region: 'sg', via: 'direct' as const, simulated: true },
  { name: 'sg-relay', url: 'http://127.0.0.1:1/sg-relay/v1', region: 'sg', via: 'relay' as const, simulated: true },
];

function outcome(rng: Rng, base: number): Outcome {
  if (rng.next() < 0.05) return { ok: false, status: 500, code: '500', start: 0, ttfb: 3, e2e: 3 + rng.next() };
  const ttfb = base + rng.exponential(5);
  const chunks = [ttfb + 20 + rng.exponential(10)];
  for (let i = 0; i < 7; i++) chunks.push(chunks[i]! + 2 + rng.exponential(1));
  return { ok: true, status: 200, start: 0, ttfb, ttft: chunks[0], e2e: chunks[7]! + 0.5, chunks, outputTokens: 8 };
}

/** One run: samples for both targets over several 1-second intervals, logged as bench does. */
async function fakeRun(dir: string, seed: number, perInterval: number, intervals: number, load?: RunData['load']): Promise<{ run: RunData; samples: Outcome[][] }> {
  const rng = new Rng(seed);
  const logs = new IntervalLogs(dir);
  const recorders = TARGETS.map(() => new TargetRecorder(true));
  const samples: Outcome[][] = TARGETS.map(() => []);
  const startMs = 1_764_700_000_000 + seed * 1000;
  for (let k = 0; k < intervals; k++) {
    for (let i = 0; i < perInterval; i++) {
      TARGETS.forEach((_t, ti) => {
        const o = outcome(rng, ti === 0 ? 120 : 90);
        samples[ti]!.push(o);
        const s: Sample = { seq: i, target: ti, warmup: false, intended: k * 1000, sent: k * 1000, openLoop: false, outcome: o };
        recorders[ti]!.add(s);
      });
    }
    recorders.forEach((r, ti) => r.flush((metric, h) => logs.write({ relayVersion: '0.1.0', target: TARGETS[ti]!.name, url: TARGETS[ti]!.url, seed, startMs }, metric, h, k, k + 1)));
  }
  const run: RunData = {
    relayVersion: '0.1.0', seed, config: { n: perInterval * intervals }, startMs, durationMs: intervals * 1000, stream: true,
    load: load ?? { mode: 'closed', concurrency: 4, sent: perInterval * intervals * 2, delayedByCap: 0 },
    targets: TARGETS.map((t, i) => ({ ...t, counts: recorders[i]!.counts, histograms: recorders[i]!.totals })),
    interrupted: false,
  };
  await logs.close();
  writeManifest(dir, run);
  return { run, samples };
}

describe('interval logs and merge', () => {
  let a: Awaited<ReturnType<typeof fakeRun>>;
  let b: Awaited<ReturnType<typeof fakeRun>>;
  beforeAll(async () => {
    a = await fakeRun(join(root, 'a'), 1, 150, 4);
    b = await fakeRun(join(root, 'b'), 2, 90, 3);
  });

  it('writes the standard .hlog text format, one file per target and metric', () => {
    const files = readdirSync(join(root, 'a'));
    expect(files).toContain('sg-direct.ttft.hlog');
    expect(files).toContain('sg-relay.e2e.hlog');
    expect(files).toContain('run.json');
    const text = readFileSync(join(root, 'a', 'sg-direct.ttft.hlog'), 'utf8');
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('#[Histogram log format version 1.3]');
    expect(lines[2]).toMatch(/^#\[StartTime: \d+\.\d{3} \(seconds since epoch\), /);
    expect(lines[3]).toBe('"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"');
    const intervals = lines.slice(4);
    expect(intervals).toHaveLength(4);
    expect(readIntervalLog(text).intervals).toBe(4);
    for (const l of intervals) expect(l).toMatch(/^\d+\.\d{3},1\.000,\d+\.\d{3},HISTFAAA[A-Za-z0-9+/=]+$/);
    });

  it('two runs merged equal one histogram of both sets of samples, bucket for bucket', () => {
    const merged = mergeRuns([join(root, 'a'), join(root, 'b')]);
    expect(merged.targets.map((t) => t.name)).toEqual(['sg-direct', 'sg-relay']);
    TARGETS.forEach((_, ti) => {
      const all = [...a.samples[ti]!, ...b.samples[ti]!];
      const ttft = newHistogram();
      const e2e = newHistogram();
      for (const o of all) if (o.ok) { record(ttft, o.ttft!); record(e2e, o.e2e!); }
      const t = merged.targets[ti]!;
      expect(sameBuckets(t.histograms.ttft, ttft)).toBe(true);
      expect(sameBuckets(t.histograms.e2e, e2e)).toBe(true);
      expect(t.counts.requests).toBe(all.length);
      expect(t.counts.ok).toBe(all.filter((o) => o.ok).length);
      expect(t.counts.errors['500']).toBe(all.filter((o) => !o.ok).length);
      const report = buildReport(merged).targets[ti]!;
      expect(report.metrics.ttft).toEqual(summarize(ttft));
      expect(report.errors + report.ok).toBe(report.requests);
    });
  });

  it('open-loop runs at the same time: the merged achieved rate is reckoned as one run\'s (sends over the span of sends)', async () => {
    // Two machines, 20 requests/s each over the same 3 s: 60 sends each, from t to t + 2.95 s.
    const t = 1_764_800_000_000;
    const open = (first: number) => ({ mode: 'open' as const, concurrency: 8, rate: 20, arrival: 'constant' as const, sent: 60, delayedByCap: 0,
      achievedRate: (59 * 1000) / 2950, firstSendEpochMs: first, lastSendEpochMs: first + 2950 });
    const apart = mkdtempSync(join(tmpdir(), 'relay-merge-open-')); // not among the other runs' folders
    await fakeRun(join(apart, 'o1'), 21, 1, 3, open(t));
    await fakeRun(join(apart, 'o2'), 22, 1, 3, open(t + 10));
    const merged = mergeRuns([join(apart, 'o1'), join(apart, 'o2')]).load;
    rmSync(apart, { recursive: true, force: true });
    expect(merged.rate).toBe(40);
    expect(merged.sent).toBe(120);
    // One run at 40/s would say (120 - 1) sends over its 2.96 s of sending: about 40, not 38.
    expect(merged.achievedRate).toBeCloseTo((119 * 1000) / 2960, 9);
  });

  it('one run merged alone gives that run\'s report', () => {
    const direct = buildReport(a.run);
    const viaLogs = buildReport(mergeRuns([join(root, 'a')]));
    expect(viaLogs.targets).toEqual(direct.targets);
    expect(viaLogs.pairs).toEqual(direct.pairs);
    expect(viaLogs.pairs[0]!.metrics.ttft!.p50!.diffMs).toBeLessThan(0);
  });

  it('finds run folders one level down (one per machine) and refuses folders without logs', () => {
    expect(mergeRuns([root]).targets[0]!.counts.requests).toBe(a.samples[0]!.length + b.samples[0]!.length);
    const empty = mkdtempSync(join(root, 'empty-'));
    expect(() => mergeRuns([empty])).toThrow(/has no run\.json/);
  });
});

describe('a recorder without interval histograms (no --hdr-log)', () => {
  it('gives the same totals, bucket for bucket, as one that keeps 1-second intervals', () => {
    const rng = new Rng(5);
    const withIntervals = new TargetRecorder(true);
    const direct = new TargetRecorder(true, false);
    for (let k = 0; k < 3; k++) {
      for (let i = 0; i < 200; i++) {
        const o = outcome(rng, 100);
        const s: Sample = { seq: i, target: 0, warmup: false, intended: k * 1000 + i, sent: k * 1000 + i + rng.next(), openLoop: true, outcome: o };
        withIntervals.add(s);
        direct.add(s);
      }
      withIntervals.flush();
      direct.flush();
    }
    for (const metric of Object.keys(withIntervals.totals) as Array<keyof typeof withIntervals.totals>) {
      expect(sameBuckets(direct.totals[metric], withIntervals.totals[metric]), metric).toBe(true);
    }
    expect(summarize(direct.totals.ttft).count).toBeGreaterThan(500);
    expect(direct.counts).toEqual(withIntervals.counts);
  });
});
