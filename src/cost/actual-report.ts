import { int, type Rational } from './rational.js';
import { formatUsd, formatCurrency, formatTokens, usdNumber } from './money.js';
import type { Actual } from './actual.js';
import { renderTable, type Column } from './text-table.js';
import { toCsv, type Cell } from './csv.js';
import { sourcesFooter, type Conversion } from './projection-report.js';

// Actual spend read with --from: table, JSON and CSV.

const n = (v: number) => formatTokens(int(v));

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function headline(a: Actual, source: string): string {
  const parts = [`${plural(a.requests, 'request')} with usage`];
  if (a.failedCounted) parts.push(`${a.failedCounted === 1 ? '1 of them' : `${a.failedCounted} of them`} failed but carried usage, counted because the provider may have billed it`);
  if (a.failedWithoutUsage) parts.push(`${plural(a.failedWithoutUsage, 'failed request')} without usage, not counted`);
  if (a.skipped.length) parts.push(`${plural(a.skipped.length, 'line')} skipped (${[...new Set(a.skipped.map((s) => s.reason))].join(', ')})`);
  return `relay cost --from ${source}: ${parts.join('; ')}`;
}

export function actualText(a: Actual, source: string, opts: { explain?: boolean; currency?: Conversion } = {}): string {
  const c = opts.currency;
  // Cache writes only exist with Anthropic-style usage; the column appears when there are some.
  const writes = a.usage.cacheWriteTokens > 0;
  const cols: Column[] = [
    { header: 'model' }, { header: 'requests', align: 'right' }, { header: 'of them failed', align: 'right' },
    { header: 'prompt', align: 'right' }, { header: 'cached', align: 'right' },
    ...(writes ? [{ header: 'cache write', align: 'right' } as Column] : []),
    { header: 'completion', align: 'right' }, { header: 'reasoning', align: 'right' }, { header: 'cost', align: 'right' },
  ];
  if (c) cols.push({ header: `cost ${c.code}`, align: 'right' });
  const conv = (v: Rational) => (c ? formatCurrency(v.mul(c.rate), c.code) : undefined);
  const row = (name: string, req: number, failed: number, u: Actual['usage'], usd: Rational) => [
    name, String(req), String(failed), n(u.promptTokens), n(u.cachedTokens), ...(writes ? [n(u.cacheWriteTokens)] : []),
    n(u.completionTokens), n(u.reasoningTokens), formatUsd(usd), conv(usd),
  ];
  const rows = a.rows.map((r) => row(r.model, r.requests, r.failed, r.usage, r.usd));
  rows.push(row('total', a.requests, a.failedCounted, a.usage, a.total));
  const out = [headline(a, source), '', ...renderTable(cols, rows), ''];
  out.push('cached tokens are part of prompt and reasoning tokens part of completion: each is counted once');
  if (a.estimated) out.push('some usage was estimated by relay (the server sent none): those figures are estimates');
  if (a.monthly) out.push(`per month: ${formatUsd(a.monthly.usd)}${c ? ` (${conv(a.monthly.usd)})` : ''} (${a.monthly.basis})`);
  if (c) out.push(`1 USD = ${c.rate.toDecimal(6)} ${c.code} (the rate you gave with --fx)`);
  if (opts.explain) {
    out.push('', 'arithmetic (USD per million tokens; exact, rounded only for display):');
    for (const r of a.rows) {
      out.push(`  ${r.model}${r.names.some((x) => x !== r.model) ? ` (reported as ${r.names.join(', ')})` : ''}:`);
      for (const l of r.costed.lines) out.push(`    ${l.explain}`);
      out.push(`    = ${formatUsd(r.usd)}`);
    }
    out.push(`  total: ${a.rows.map((r) => formatUsd(r.usd)).join(' + ')} = ${formatUsd(a.total)} (exact $${a.total.toDecimal(12)})`);
  }
  for (const note of a.notes) out.push(`note: ${note}`);
  out.push(...sourcesFooter(a.rows.map((r) => r.entry)));
  return out.join('\n') + '\n';
}

export function actualJson(a: Actual, source: string, currency?: Conversion): unknown {
  const usage = (u: Actual['usage']) => ({
    promptTokens: u.promptTokens, cachedTokens: u.cachedTokens, cacheWriteTokens: u.cacheWriteTokens,
    completionTokens: u.completionTokens, reasoningTokens: u.reasoningTokens, totalTokens: u.promptTokens + u.completionTokens, estimated: u.estimated,
  });
  return {
    kind: 'actual',
    source,
    requests: a.requests,
    failedCounted: a.failedCounted,
    failedWithoutUsage: a.failedWithoutUsage,
    skipped: a.skipped,
    models: a.rows.map((r) => ({
      model: r.model, reportedAs: r.names, requests: r.requests, failed: r.failed, usage: usage(r.usage),
      usd: usdNumber(r.usd), usdExact: r.usd.toDecimal(12), display: formatUsd(r.usd),
      lines: r.costed.lines.map((l) => ({ part: l.part, tokens: usdNumber(l.tokens), perMTok: usdNumber(l.perMTok), usd: usdNumber(l.usd), explain: l.explain })),
      ...(currency ? { converted: usdNumber(r.usd.mul(currency.rate)) } : {}),
      price: { origin: r.entry.origin, overridden: r.entry.overridden, source: r.entry.source, asOf: r.entry.asOf ?? null },
    })),
    total: { usd: usdNumber(a.total), usdExact: a.total.toDecimal(12), display: formatUsd(a.total), usage: usage(a.usage), ...(currency ? { converted: usdNumber(a.total.mul(currency.rate)) } : {}) },
    monthly: a.monthly ? { usd: usdNumber(a.monthly.usd), factor: usdNumber(a.monthly.factor), basis: a.monthly.basis } : null,
    currency: currency ? { code: currency.code, ratePerUsd: usdNumber(currency.rate), source: '--fx' } : null,
    notes: a.notes,
  };
}

export function actualCsv(a: Actual, currency?: Conversion): string {
  const header = ['row', 'model', 'requests', 'failed_counted', 'prompt_tokens', 'cached_tokens', 'cache_write_tokens', 'completion_tokens', 'reasoning_tokens', 'cost_usd'];
  if (currency) header.push(`cost_${currency.code.toLowerCase()}`);
  const conv = (v: Rational) => (currency ? [usdNumber(v.mul(currency.rate))] : []);
  const row = (kind: string, name: string, req: number, failed: number, u: Actual['usage'], usd: Rational): Cell[] =>
    [kind, name, req, failed, u.promptTokens, u.cachedTokens, u.cacheWriteTokens, u.completionTokens, u.reasoningTokens, usdNumber(usd), ...conv(usd)];
  const rows: Cell[][] = a.rows.map((r) => row('model', r.model, r.requests, r.failed, r.usage, r.usd));
  rows.push(row('total', 'all', a.requests, a.failedCounted, a.usage, a.total));
  if (a.monthly) rows.push(['monthly', a.monthly.basis, undefined, undefined, undefined, undefined, undefined, undefined, undefined, usdNumber(a.monthly.usd), ...conv(a.monthly.usd)]);
  return toCsv(header, rows);
}
