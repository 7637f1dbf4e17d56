import type { Io } from '../cli/io.js';
import { EXIT } from '../core/errors.js';
import { usdNumber } from '../cost/money.js';
import { lookup, type PriceBook } from '../cost/price-table.js';
import { priceSplit } from '../cost/pricing.js';
import { int, ZERO } from '../cost/rational.js';
import type { ScanResult } from '../batch/scan.js';
import { plural } from '../output/progress.js';
import { dryRunTable, writeSummaryJson, type DryRunRow } from './batch-report.js';
import type { BatchOptions } from './batch-options.js';

// --dry-run: nothing is sent. Every line is validated, prompts are counted with the tokenizer and
// replies at their max_tokens (or the --tpm limiter's default reserve where a line sets none). The table is the data asked
// for (stdout); invalid lines are listed on stderr and make the exit code 2.

export function dryRun(scan: ScanResult, book: PriceBook, io: Io, opts: BatchOptions): number {
  const rows: DryRunRow[] = [...scan.models].sort((a, b) => b[1].lines - a[1].lines).map(([model, m]) => {
    const e = lookup(book, model);
    const cost = e ? priceSplit({ uncachedInput: int(m.promptTokens), cachedInput: ZERO, cacheWrite: ZERO, output: int(m.maxOutputTokens) }, e).usd : null;
    return { model, ...m, costUsd: cost };
  });
  const invalid = Object.values(scan.invalid).reduce((a, b) => a + b, 0);
  // Invalid lines get an error record but send nothing: they are not "to run".
  const toRun = scan.toRun - invalid;
  io.stdout.write(dryRunTable(rows, { lines: scan.lines, invalid, toRun }, opts.maxTokens === undefined ? undefined : Number(opts.maxTokens)));
  for (const msg of scan.firstErrors) io.stderr.write(io.err.warn(`relay: invalid: ${msg}`) + '\n');
  if (invalid > scan.firstErrors.length) io.stderr.write(io.err.warn(`relay: … and ${plural(invalid - scan.firstErrors.length, 'more invalid line')}`) + '\n');
  if (scan.largest) io.stderr.write(io.err.dim(`relay: largest reservation: line ${scan.largest.line}, ${scan.largest.tokens} tokens (prompt + n x max_tokens)`) + '\n');
  if (opts.summaryJson) {
    writeSummaryJson(opts.summaryJson, {
      dryRun: true, estimated: true, lines: scan.lines, toRun, invalid: scan.invalid,
      models: rows.map((r) => ({ model: r.model, lines: r.lines, promptTokens: r.promptTokens, maxOutputTokens: r.maxOutputTokens, costUsdAtMost: r.costUsd ? usdNumber(r.costUsd) : null })),
    } as never, {});
  }
  return invalid ? EXIT.usage : EXIT.ok;
}
