import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cell, summaryCsv } from '../../src/bench/csv.js';
import { record } from '../../src/bench/hdr.js';
import { htmlReport } from '../../src/bench/html.js';
import { newHistogramSet, emptyCounts } from '../../src/bench/recorder.js';
import { buildReport, findPairs } from '../../src/bench/report.js';
import type { RunData } from '../../src/bench/run-data.js';
import { comparisonTables } from '../../src/bench/tables.js';
import { terminalHistograms } from '../../src/bench/termhist.js';
import { buildRequests, readPrompts, syntheticPrompt } from '../../src/bench/workload.js';
import { plainStyle } from '../../src/output/style.js';
import { benchSettings, parseDurationMs, warmupFor } from '../../src/commands/bench-options.js';
import { parseTarget } from '../../src/commands/bench-targets.js';
import { countTokens } from '../../src/core/tokens.js';

function target(name: string, region: string | undefined, via: 'direct' | 'relay' | undefined, ttft: number[], errors = 0): RunData['targets'][number] {
  const histograms = newHistogramSet();
  for (const v of ttft) { record(histograms.ttft, v); record(histograms.e2e, v + 100); }
  const counts = { ...emptyCounts(), requests: ttft.length + errors, ok: ttft.length, errors: errors ? { 429: errors } : ({} as Record<string, number>) };
  return { name, url: `http://127.0.0.1:1/${name}/v1`, region, via, simulated: name.includes('sim'), counts, histograms };
}

function run(targets: RunData['targets']): RunData {
  return {
    relayVersion: '9.9.9', seed: 5, config: { model: 'm' }, startMs: Date.UTC(2026, 0, 1), durationMs: 2000, stream: true,
    load: { mode: 'closed', concurrency: 1, sent: 0, delayedByCap: 0 }, targets, interrupted: false,
  };
}

const spread = (base: number) => Array.from({ length: 200 }, (_, i) => base + (i % 20));

describe('report', () => {
  it('pairs each relay with the direct endpoint of its region, relay minus direct', () => {
    expect(findPairs([
      { name: 'a', region: 'sg', via: 'relay' }, { name: 'b', region: 'de', via: 'direct' }, { name: 'c', region: 'sg', via: 'direct' },
      { name: 'd', region: 'de' }, { name: 'e', via: 'relay' },
    ])).toEqual([{ region: 'sg', direct: 2, relay: 0 }]);
    const r = buildReport(run([target('sg-direct', 'sg', 'direct', spread(300)), target('sg-relay', 'sg', 'relay', spread(120), 20)]));
    const p = r.pairs[0]!;
    expect(p.metrics.ttft!.p50!.diffMs).toBeCloseTo(-180, 0);
    expect(p.verdict).toMatch(/^sg: relay faster by 180 ms at p50, 95% CI/);
    expect(p.errorRate.relay).toBeCloseTo(20 / 220, 6);
    expect(r.targets[1]).toMatchObject({ requests: 220, ok: 200, errors: 20, errorsByCode: { 429: 20 } });
    expect(r.targets[1]!.throughput.requestsPerSec).toBe(110);
  });

  it('has the --json shape: targets with metrics in ms, pairs, config and seed', () => {
    const r = JSON.parse(JSON.stringify(buildReport(run([target('x', undefined, undefined, spread(50))]))));
    expect(Object.keys(r)).toEqual(expect.arrayContaining(['targets', 'pairs', 'config', 'seed', 'relay']));
    for (const m of ['ttfb', 'ttft', 'itl', 'tpot', 'e2e']) {
      expect(Object.keys(r.targets[0].metrics[m])).toEqual(expect.arrayContaining(['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean']));
    }
    expect(r.targets[0].metrics.ttft.p50).toBeCloseTo(59, 0);
    expect(r.targets[0].metrics.itl.p50).toBeNull();
  });

  it('the comparison table has the columns people know and marks simulated regions', () => {
    const text = comparisonTables(buildReport(run([target('sim-direct', 'sg', 'direct', spread(300)), target('sim-relay', 'sg', 'relay', spread(120))])), plainStyle);
    expect(text).toMatch(/Region\s+Direct p50\s+Relay p50\s+Improvement\s+Direct p99\s+Relay p99\s+Errors/);
    expect(text).toMatch(/^sg\*\s+30\d ms/m);
    expect(text).toContain('[simulated]');
  });

  it('a terminal histogram per target, every sample in a bin', () => {
    const t = target('a', undefined, undefined, spread(100));
    const text = terminalHistograms('TTFT', [{ name: 'a', h: t.histograms.ttft }], plainStyle);
    const counts = [...text.matchAll(/│█* (\d+)$/gm)].map((m) => Number(m[1]));
    expect(counts).toHaveLength(12);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(200);
  });

  it('bins of a narrow distribution carry distinct labels', () => {
    const t = target('a', undefined, undefined, Array.from({ length: 200 }, (_, i) => 141 + i / 200));
    const text = terminalHistograms('TTFT', [{ name: 'a', h: t.histograms.ttft }], plainStyle);
    const labels = [...text.matchAll(/^\s+(.+?) ms │/gm)].map((m) => m[1]);
    expect(labels).toHaveLength(12);
    expect(new Set(labels).size).toBe(12);
  });
});

describe('files', () => {
  it('CSV cells: quoted when needed, formulas defused, numbers left alone', () => {
    expect(cell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(cell('+1')).toBe("'+1");
    expect(cell(-5)).toBe('-5');
    expect(cell('a,b')).toBe('"a,b"');
    expect(cell(null)).toBe('');
  });

  it('the summary CSV starts with seed, config and version comments', () => {
    const csv = summaryCsv(buildReport(run([target('a', undefined, undefined, spread(10))])));
    expect(csv.split('\n').slice(0, 3)).toEqual(['# relay 9.9.9 bench summary (times in ms)', '# seed 5', '# config {"model":"m"}']);
    expect(csv).toMatch(/^a,http:\/\/127\.0\.0\.1:1\/a\/v1,,,false,ttft,ms,200,/m);
  });

  it('the HTML report is self-contained: inline SVG, no scripts, nothing fetched', () => {
    const html = htmlReport(buildReport(run([target('sim-direct', 'sg', 'direct', spread(300)), target('sim-relay', 'sg', 'relay', spread(120))])),
      run([target('sim-direct', 'sg', 'direct', spread(300)), target('sim-relay', 'sg', 'relay', spread(120))]));
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|<img|\bsrc=|@import|url\(/i);
    expect(html).toContain('seed 5');
    expect(html).toContain('9.9.9');
    expect(html).toMatch(/Simulated endpoints/);
  });
});

describe('options and workload', () => {
  it.each([['30s', 30_000], ['2m', 120_000], ['500ms', 500], ['1.5', 1500], ['1h', 3_600_000]])('duration %s', (raw, ms) => expect(parseDurationMs('--duration', raw)).toBe(ms));

  it('refuses bad numbers, naming the flag', () => {
    expect(() => benchSettings({ requests: '0' })).toThrow(/-n\/--requests takes a whole number >= 1/);
    expect(() => benchSettings({ requests: '5', duration: '3s' })).toThrow(/not both/);
    expect(() => benchSettings({ rate: '-1' })).toThrow(/--rate takes a number greater than 0/);
    expect(() => benchSettings({ duration: 'soon' })).toThrow(/--duration takes a duration/);
    expect(() => benchSettings({ arrival: 'poisson' })).toThrow(/add --rate/);
  });

  it('open loop when a rate is given, with a generous cap; closed loop otherwise', () => {
    expect(benchSettings({ rate: '50', seed: '1' })).toMatchObject({ mode: 'open', rate: 50, concurrency: 1000, perTarget: 100, seed: 1 });
    expect(benchSettings({ seed: '1' })).toMatchObject({ mode: 'closed', concurrency: 4, perTarget: 100, stream: true });
  });

  it('warm-up opens the connections the run keeps busy (a closed loop\'s -c, an open loop\'s second of --rate), unless --warmup says otherwise', () => {
    expect(warmupFor(benchSettings({ concurrency: '50' }), 1)).toBe(50);
    expect(warmupFor(benchSettings({ concurrency: '50' }), 4)).toBe(13);
    expect(warmupFor(benchSettings({}), 10)).toBe(2);
    expect(warmupFor(benchSettings({ concurrency: '50', warmup: '0' }), 1)).toBe(0);
    expect(warmupFor(benchSettings({ rate: '100' }), 1)).toBe(100);
    expect(warmupFor(benchSettings({ rate: '1000' }), 4)).toBe(250);
    expect(warmupFor(benchSettings({ rate: '0.5' }), 1)).toBe(2);
  });

  it('--target NAME=URL; REGION-direct / REGION-relay names pair up', () => {
    expect(parseTarget('sg-relay=http://127.0.0.1:1/v1')).toEqual({ name: 'sg-relay', url: 'http://127.0.0.1:1/v1', region: 'sg', via: 'relay' });
    expect(parseTarget('us-east.direct=http://h/v1')).toMatchObject({ region: 'us-east', via: 'direct' });
    expect(parseTarget('plain=http://h/v1')).toEqual({ name: 'plain', url: 'http://h/v1' });
    expect(() => parseTarget('nourl')).toThrow(/NAME=URL/);
    expect(() => parseTarget('a=ftp://x')).toThrow(/not an http/);
  });

  it('a synthetic prompt of N tokens has about N tokens', async () => {
    for (const n of [16, 256, 2000]) {
      const tokens = await countTokens(syntheticPrompt(n));
      expect(Math.abs(tokens - n)).toBeLessThanOrEqual(Math.ceil(n * 0.05));
    }
  });

  it('reads prompts from JSONL (BOM, CRLF, blank lines, prompt or messages)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-prompts-'));
    try {
      const file = join(dir, 'p.jsonl');
      writeFileSync(file, '\uFEFF{"prompt":"a"}\r\n\r\n{"messages":[{"role":"user","content":"b"}]}\r\n');
      expect(readPrompts(file)).toEqual([[{ role: 'user', content: 'a' }], [{ role: 'user', content: 'b' }]]);
      expect(buildRequests({ model: 'm', promptsFile: file, maxTokens: 8 })[1]).toEqual({ model: 'm', messages: [{ role: 'user', content: 'b' }], max_tokens: 8 });
      writeFileSync(file, '{"text":"no"}\n');
      expect(() => readPrompts(file)).toThrow(/line 1: expected/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
