import { usageError } from '../core/errors.js';
import type { Usage } from '../core/types.js';
import { addUsage, emptyUsage } from '../core/usage.js';
import { Rational, int, sum } from './rational.js';
import { type PriceBook, type PriceEntry, resolveModels } from './price-table.js';
import { type Costed, costOfUsage } from './pricing.js';
import type { ReadResults } from './from-results.js';

// Actual spend of a finished run: tokens per model, counted once (R26/R27), priced exactly, and
// optionally scaled to a month of the same traffic.

export interface ActualRow {
  model: string;
  entry: PriceEntry;
  /** Model names as the server reported them (e.g. dated snapshots). */
  names: string[];
  requests: number;
  /** Failed requests whose usage is counted (they may have been billed). */
  failed: number;
  usage: Usage;
  costed: Costed;
  usd: Rational;
}

export interface Scaling {
  factor: Rational;
  /** How the factor was found, printed beside the projection. */
  basis: string;
  usd: Rational;
}

export interface Actual {
  rows: ActualRow[];
  total: Rational;
  usage: Usage;
  requests: number;
  failedCounted: number;
  failedWithoutUsage: number;
  skipped: ReadResults['skipped'];
  estimated: boolean;
  notes: string[];
  monthly?: Scaling;
}

export interface ActualOptions {
  /** Model for records that name none. */
  model?: string;
  /** Days the run covers (--covers), to scale to a 30-day month. */
  coversDays?: Rational;
  /** Direct multiplier (--scale 30x). */
  scale?: Rational;
  /** Name of the input, for messages. */
  source: string;
}

export function actualSpend(book: PriceBook, read: ReadResults, opts: ActualOptions): Actual {
  const unnamed = read.records.filter((r) => !r.model && !opts.model);
  if (unnamed.length) {
    const where = unnamed.slice(0, 5).map((r) => r.line).join(', ') + (unnamed.length > 5 ? ', …' : '');
    throw usageError(`${unnamed.length} record(s) in ${opts.source} do not name their model (line ${where}); pass --model NAME to price them`);
  }
  const names = read.records.map((r) => r.model ?? opts.model!);
  const entries = resolveModels(book, names, ` in ${opts.source}`);
  const byModel = new Map<string, ActualRow>();
  read.records.forEach((r, i) => {
    const name = names[i]!;
    const entry = entries[i]!;
    let row = byModel.get(entry.model);
    if (!row) {
      row = { model: entry.model, entry, names: [], requests: 0, failed: 0, usage: emptyUsage(), costed: { lines: [], usd: int(0), notes: [] }, usd: int(0) };
      byModel.set(entry.model, row);
    }
    if (!row.names.includes(name)) row.names.push(name);
    row.requests++;
    if (r.failed) row.failed++;
    row.usage = addUsage(row.usage, r.usage);
  });
  const rows = [...byModel.values()].sort((a, b) => a.model.localeCompare(b.model));
  const notes = new Set<string>();
  for (const row of rows) {
    // Prices are linear, so pricing the summed tokens equals summing each request's exact cost.
    row.costed = costOfUsage(row.usage, row.entry);
    row.usd = row.costed.usd;
    row.costed.notes.forEach((n) => notes.add(n));
  }
  const total = sum(rows.map((r) => r.usd));
  const usage = rows.reduce((acc, r) => addUsage(acc, r.usage), emptyUsage());
  const failedCounted = rows.reduce((n, r) => n + r.failed, 0);

  let monthly: Scaling | undefined;
  if (opts.scale) {
    monthly = { factor: opts.scale, basis: `x ${opts.scale.toDecimal(6)} (--scale)`, usd: total.mul(opts.scale) };
  } else if (opts.coversDays) {
    const factor = int(30).div(opts.coversDays);
    monthly = { factor, basis: `run covers ${opts.coversDays.toDecimal(4)} day(s); x ${factor.toDecimal(4)} for a 30-day month`, usd: total.mul(factor) };
  }

  return {
    rows, total, usage, requests: read.records.length, failedCounted,
    failedWithoutUsage: read.failedWithoutUsage, skipped: read.skipped,
    estimated: rows.some((r) => r.usage.estimated), notes: [...notes], monthly,
  };
}
