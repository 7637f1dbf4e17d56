import { resolve } from 'node:path';
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
  const run = mergeRuns(dirs.map((d) => resolve(io.cwd, d)), int('--seed', flags.seed, 0));
  const report = buildReport(run);
  emitReport(report, run, flags, io);
  return report;
}
