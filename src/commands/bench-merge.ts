import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { usageError } from '../core/errors.js';
import type { Io } from '../cli/io.js';
import { mergeRuns } from '../bench/merge.js';
import { buildReport, type BenchReport } from '../bench/report.js';
import { int } from './bench-options.js';
import { emitReport } from './bench-output.js';

// relay bench merge DIR...: the report one run over all the logged samples would have given.

export interface MergeFlags {
  json?: boolean;
  csv?: string;
  html?: string;
  seed?: string;
}

export async function benchMerge(dirs: string[], flags: MergeFlags, io: Io): Promise<BenchReport> {
  const paths = dirs.map((d) => resolve(io.cwd, d));
  // The same run twice would count every sample twice and still look like a valid report.
  const real = paths.map((p) => { try { return realpathSync(p); } catch { return p; } });
  const twice = dirs.filter((_, i) => real.indexOf(real[i]!) !== i);
  if (twice.length) throw usageError(`${twice.join(', ')} given more than once; each run's logs may be merged once`);
  const run = mergeRuns(paths, int('--seed', flags.seed, 0));
  const report = buildReport(run);
  emitReport(report, run, flags, io);
  return report;
}
