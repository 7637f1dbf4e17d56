import { describe, expect, it } from 'vitest';
import { verdict } from '../../src/commands/batch.js';
import { resumeCommand, type BatchSettings } from '../../src/commands/batch-options.js';
import type { BatchSummary } from '../../src/batch/stats.js';
import { summaryText } from '../../src/commands/batch-report.js';
import type { Style } from '../../src/output/style.js';

// The exit code of a finished batch run: only a run where every line got a record may exit 0.

const settings: BatchSettings = { concurrency: 4, maxErrorRate: 0, graceMs: 10_000 };
const summary = (lines: Partial<BatchSummary['lines']>, stoppedBy?: BatchSummary['stoppedBy'], failedByCode: Record<string, number> = {}) =>
  ({ lines: { total: 0, ok: 0, failed: 0, skipped: 0, notRun: 0, cached: 0, deduplicated: 0, ...lines }, failedByCode, stoppedBy, cost: 0 }) as unknown as BatchSummary;
const fails = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e as { exitCode: number; message: string };
  }
  throw new Error('expected the verdict to throw');
};

describe('batch verdict', () => {
  it('every line written: exit 0', () => {
    expect(verdict(summary({ total: 3, ok: 3 }), settings, { input: 'in.jsonl', output: 'out.jsonl' }, 0)).toBe(0);
  });

  it('lines not run without an interrupt or --max-cost (the input changed under the run) is not success', () => {
    const e = fails(() => verdict(summary({ total: 8, ok: 2, notRun: 6 }), settings, { input: 'in.jsonl', output: 'out.jsonl' }, 0));
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/^6 of 8 lines were not run .*resume with: relay /);
  });

  it('stopped at a 401: exit 4 naming the lines not run and the resume command; only refusals and no success: exit 4', () => {
    const e = fails(() => verdict({ ...summary({ total: 9, failed: 2, notRun: 7 }, 'auth', { auth: 2 }), authError: '401 from default (http://h/v1/chat/completions): the key in RELAY_API_KEY was refused' },
      settings, { input: 'in.jsonl', output: 'out.jsonl' }, 0));
    expect(e.exitCode).toBe(4);
    expect(e.message).toMatch(/^401 from default .*refused; stopped at the first 401 \(7 lines not run\); fix the key, then resume with: relay /);
    const all = fails(() => verdict(summary({ total: 3, failed: 3 }, null, { auth: 3 }), settings, { input: 'in.jsonl' }, 0));
    expect(all.exitCode).toBe(4);
    // One success among the refusals: an error rate, not an authentication failure.
    const some = fails(() => verdict(summary({ total: 3, ok: 1, failed: 2 }, null, { auth: 2 }), settings, { input: 'in.jsonl' }, 0));
    expect(some.exitCode).toBe(7);
    // Resumed from a file with successes: the key works, so refusals now are the lines' own.
    const resumed = fails(() => verdict(summary({ total: 3, failed: 1, skipped: 2 }, null, { auth: 1 }), settings, { input: 'in.jsonl', output: 'o' }, 0, true));
    expect(resumed.exitCode).toBe(7);
    // Lines on the wire succeeded after the first 401: say the 401 was that line's, and how to go on.
    const wrongStop = fails(() => verdict({ ...summary({ total: 9, ok: 3, failed: 1, notRun: 5 }, 'auth', { auth: 1 }), authError: 'line 2: 401 from default' },
      settings, { input: '-', output: 'out.jsonl' }, 0));
    expect(wrongStop.exitCode).toBe(4);
    expect(wrongStop.message).toMatch(/^line 2: 401 from default; stopped at the first 401 \(5 lines not run\); other lines succeeded with the same key, so the 401 concerns that line alone; resume with: relay .* \(pipe the same input again\)$/);
  });

  it('counts agree with their nouns: 1 line, 1 was waiting', () => {
    const e = fails(() => verdict(summary({ total: 2, ok: 1, notRun: 1 }, 'interrupt'), settings, { input: 'in.jsonl', output: 'out.jsonl' }, 1));
    expect(e.message).toMatch(/^interrupted: 1 line written this run, 1 not run \(1 was waiting to retry or for the rate limit\)/);
    const m = fails(() => verdict(summary({ total: 3, ok: 2, notRun: 1 }, 'max-cost'), { ...settings, maxCostText: '$1' }, { input: 'in.jsonl' }, 0));
    expect(m.message).toMatch(/; 1 line not run;/);
    const f = fails(() => verdict(summary({ total: 1, failed: 1 }), settings, { input: 'in.jsonl' }, 0));
    expect(f.message).toMatch(/^1 of 1 line failed/);
  });
});

describe('batch summary text', () => {
  it('one line, one request, no retries: singular nouns', () => {
    const plain = { ok: (t: string) => t, warn: (t: string) => t, dim: (t: string) => t } as unknown as Style;
    const text = summaryText({
      lines: { total: 1, ok: 1, failed: 0, skipped: 0, notRun: 0, cached: 0, deduplicated: 0 }, failedByCode: {}, requests: 1, retries: 1,
      tokens: { prompt: 5, cached: 0, completion: 3, estimated: false }, cost: 0, costUnpricedLines: 1,
      latencyMs: { p50: 10, p95: 10, p99: 10, max: 10 }, wallMs: 10, achieved: { requestsPerMin: 1, tokensPerMin: 8 }, endpoints: {},
    } as unknown as BatchSummary, plain);
    expect(text).toMatch(/not run, of 1 line\n/);
    expect(text).toMatch(/\(1 line with no known price\)/);
    expect(text).toMatch(/\| 1 request \(1 retry\) in /);
  });
});

describe('the resume command', () => {
  it('leaves out the user:password of a URL and says so; other arguments stay as given', () => {
    const cmd = resumeCommand(['batch', 'in.jsonl', '-o', 'out.jsonl', '--base-url', 'http://u:Zq@7w@127.0.0.1:8/v1', '--system', 'Note: mail me@x.com']);
    expect(cmd).toBe("relay batch in.jsonl -o out.jsonl --base-url http://127.0.0.1:8/v1 --system 'Note: mail me@x.com' --resume (the user:password of the URL left out: add it back, or set it in RELAY_BASE_URL)");
  });
});
