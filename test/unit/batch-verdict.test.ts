import { describe, expect, it } from 'vitest';
import { verdict } from '../../src/commands/batch.js';
import type { BatchSettings } from '../../src/commands/batch-options.js';
import type { BatchSummary } from '../../src/batch/stats.js';

// The exit code of a finished batch run: only a run where every line got a record may exit 0.

const settings: BatchSettings = { concurrency: 4, maxErrorRate: 0, graceMs: 10_000 };
const summary = (lines: Partial<BatchSummary['lines']>, stoppedBy?: BatchSummary['stoppedBy']) =>
  ({ lines: { total: 0, ok: 0, failed: 0, skipped: 0, notRun: 0, cached: 0, deduplicated: 0, ...lines }, stoppedBy, cost: 0 }) as unknown as BatchSummary;
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
});
