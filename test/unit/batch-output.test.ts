import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CsvFile, neutralizeCell, toCsv } from '../../src/output/csv.js';
import { createProgress } from '../../src/output/progress.js';
import { emptyMeta, recordLine, type OutputRecord } from '../../src/batch/records.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/batch/${name}`, import.meta.url), 'utf8');

describe('CSV (R33 formula injection)', () => {
  const rows = fixture('R33-csv-formula-injection.results.jsonl').trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; content: string });

  it('writes the R33 results byte for byte as the expected file (RFC 4180, CRLF)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'relay-csv-')), 'r.csv');
    const f = new CsvFile(path, ['custom_id', 'content']);
    for (const r of rows) f.row([r.custom_id, r.content]);
    f.close();
    expect(readFileSync(path, 'utf8')).toBe(fixture('R33-csv-formula-injection.expected.csv'));
  });

  it('numbers stay numbers (negative ones too); text that looks like a number is neutralised', () => {
    expect(toCsv(['a', 'b', 'c'], [[-2.5, '-2.5', 0.0055649]])).toBe("a,b,c\n-2.5,'-2.5,0.0055649\n");
  });

  it('only the first character matters', () => {
    expect(neutralizeCell('a=b')).toBe('a=b');
    expect(neutralizeCell('@x')).toBe("'@x");
  });
});

function sink(isTTY: boolean) {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  s.isTTY = isTTY;
  s.columns = 120;
  let text = '';
  s.on('data', (d) => { text += d.toString(); });
  const next = () => new Promise<string>((r) => s.once('data', (d) => r(d.toString())));
  return { stream: s, text: () => text, next };
}

describe('createProgress', () => {
  it('not a terminal: one status line per interval with done/total, the status and an ETA', async () => {
    const s = sink(false);
    const p = createProgress({ stderr: s.stream as never }, { total: 10, label: 'batch', intervalMs: 20 });
    p.update(4, () => 'ok 4 failed 0');
    const line = await s.next();
    p.stop();
    expect(line).toMatch(/^relay: batch 4\/10 \| ok 4 failed 0, ETA \d+s\n$/);
  });

  it('--quiet draws nothing (but a log line still goes out)', async () => {
    const s = sink(false);
    const p = createProgress({ stderr: s.stream as never }, { total: 10, quiet: true, intervalMs: 5 });
    p.update(5, 'x');
    p.log('relay: warning: w');
    await new Promise((r) => setImmediate(r));
    p.stop();
    expect(s.text()).toBe('relay: warning: w\n');
  });

  it('a terminal gets a bar with done/total and the status', async () => {
    const s = sink(true);
    const p = createProgress({ stderr: s.stream as never }, { total: 10 });
    p.update(3, 'ok 3 failed 0');
    p.stop();
    await new Promise((r) => setImmediate(r));
    expect(s.text()).toMatch(/3\/10 ETA (\?|\d+s) \| ok 3 failed 0/);
  });
});

describe('LatencyHistogram (summary percentiles within 1%)', () => {
  it.each([
    // values, percentile, exact answer
    [Array.from({ length: 1000 }, (_, i) => i + 1), 50, 500],
    [Array.from({ length: 1000 }, (_, i) => i + 1), 99, 990],
    [Array.from({ length: 100 }, (_, i) => (i < 95 ? 10 : 2000)), 95, 10],
    [Array.from({ length: 100 }, (_, i) => (i < 95 ? 10 : 2000)), 99, 2000],
    [[0.004, 0.5, 3_600_000], 100, 3_600_000],
  ])('%#: p%s is within 1%% of %s', async (values, p, exact) => {
    const { LatencyHistogram } = await import('../../src/batch/latency.js');
    const h = new LatencyHistogram();
    for (const v of values) h.record(v);
    const got = h.percentile(p)!;
    expect(Math.abs(got - exact) / exact).toBeLessThanOrEqual(0.01);
  });

  it('is empty until something is recorded', async () => {
    const { LatencyHistogram } = await import('../../src/batch/latency.js');
    expect(new LatencyHistogram().percentile(50)).toBeNull();
  });
});

describe('recordLine (a reply body written as the server sent it)', () => {
  const rec = (body: unknown): OutputRecord => ({
    id: 'batch_req_x_1', custom_id: 'a"1', response: { status_code: 200, request_id: null, body }, error: null,
    relay: { ...emptyMeta(1), attempts: 1, endpoint: 'sim', model: 'm', cost: 0.5 },
  });

  it('reads back as the same record, keeping the server\'s own spacing and number text', () => {
    const text = '{"id":"c1", "choices":[{"index":0,"message":{"role":"assistant","content":"x\\u00e9\\n"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1.0}}';
    const r = rec(JSON.parse(text));
    const line = recordLine(r, text);
    expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(r)));
    expect(line).toContain(text);
    expect(line.includes('\n')).toBe(false);
  });

  it('a pretty-printed body (line breaks) is serialised again: one record, one line', () => {
    const text = '{\n  "id": "c1"\n}';
    const r = rec(JSON.parse(text));
    expect(recordLine(r, text)).toBe(JSON.stringify(r));
  });

  it('a body without its text, and a failure without a response, are plain JSON', () => {
    expect(recordLine(rec({ id: 'c2' }))).toBe(JSON.stringify(rec({ id: 'c2' })));
    const failed: OutputRecord = { ...rec(null), response: null, error: { code: '500', message: 'boom' } };
    expect(recordLine(failed)).toBe(JSON.stringify(failed));
  });
});
