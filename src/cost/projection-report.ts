import { Rational, int } from './rational.js';
import { formatUsd, formatCurrency, formatPrice, formatTokens, formatPercent, usdNumber } from './money.js';
import { cachedRate, describeSource, type PriceEntry } from './price-table.js';
import { DEFAULT_INPUT_SHARE_WHY, type Projection, type Scenario } from './projection.js';
import { renderTable, type Column } from './text-table.js';
import { toCsv } from './csv.js';

// The projection as people read it (table), as programs read it (JSON) and as spreadsheets do (CSV).

export interface Conversion {
  code: string;
  /** Units of `code` per USD, as given with --fx. */
  rate: Rational;
}

const convert = (usd: Rational, c?: Conversion) => (c ? usd.mul(c.rate) : undefined);

function volumeText(p: Projection): string {
  const v = p.volume;
  if (v.kind === 'requests') {
    return `${formatTokens(v.requests)} requests per ${p.period} x (${formatTokens(v.inPerRequest)} in + ${formatTokens(v.outPerRequest)} out) tokens`;
  }
  const share = p.inputShare.isZero() ? 'input share 0% (every token priced as output)' : `input share ${formatPercent(p.inputShare)}`;
  return `${formatTokens(v.tokens)} tokens per ${p.period}, ${share}${p.inputShareDefaulted ? ` (${DEFAULT_INPUT_SHARE_WHY}; set --input-share)` : ''}`;
}

function savingsText(s: Scenario): string {
  if (!s.savings) return '';
  const pct = s.savingsPct ? ` (${formatPercent(s.savingsPct.abs())})` : '';
  if (s.savings.isZero()) return 'same cost';
  return s.savings.sign() > 0 ? `mix saves ${formatUsd(s.savings)}${pct}` : `mix costs ${formatUsd(s.savings.abs())} more${pct}`;
}

export function sourcesFooter(entries: PriceEntry[]): string[] {
  return entries.map((e, i) => `${i === 0 ? 'prices: ' : '        '}${e.model}: ${describeSource(e)}`);
}

export function projectionText(p: Projection, opts: { explain?: boolean; currency?: Conversion } = {}): string {
  const c = opts.currency;
  const out: string[] = [`relay cost: ${volumeText(p)}; cache hit ${formatPercent(p.cacheHit)}; batch ${formatPercent(p.batchShare)}`, ''];
  const cols: Column[] = [
    { header: 'model' }, { header: 'share', align: 'right' },
    { header: 'tokens in', align: 'right' }, { header: 'cached', align: 'right' }, { header: 'tokens out', align: 'right' },
    { header: 'in $/MTok', align: 'right' }, { header: 'cached $/MTok', align: 'right' }, { header: 'out $/MTok', align: 'right' },
    { header: 'cost', align: 'right' },
  ];
  if (c) cols.push({ header: `cost ${c.code}`, align: 'right' });
  const rows = p.rows.map((r) => [
    r.model, formatPercent(r.share.div(int(100))), formatTokens(r.tokensIn), formatTokens(r.cachedIn), formatTokens(r.tokensOut),
    formatPrice(r.entry.input), formatPrice(cachedRate(r.entry)), formatPrice(r.entry.output), formatUsd(r.usd),
    c ? formatCurrency(convert(r.usd, c)!, c.code) : undefined,
  ]);
  const sumOf = (f: (r: Projection['rows'][number]) => Rational) => p.rows.reduce((a, r) => a.add(f(r)), int(0));
  rows.push([
    'total', '100%', formatTokens(sumOf((r) => r.tokensIn)), formatTokens(sumOf((r) => r.cachedIn)), formatTokens(sumOf((r) => r.tokensOut)),
    '', '', '', formatUsd(p.total), c ? formatCurrency(convert(p.total, c)!, c.code) : undefined,
  ]);
  out.push(...renderTable(cols, rows));

  if (p.scenarios.length) {
    const scols: Column[] = [{ header: 'scenario' }, { header: 'cost', align: 'right' }];
    if (c) scols.push({ header: `cost ${c.code}`, align: 'right' });
    scols.push({ header: 'vs the mix' });
    out.push('', ...renderTable(scols, p.scenarios.map((s) => {
      const row = [s.name, formatUsd(s.usd)];
      if (c) row.push(formatCurrency(convert(s.usd, c)!, c.code));
      row.push(savingsText(s));
      return row;
    })));
  }

  out.push('', `per ${p.period} ${formatUsd(p.total)}; ${p.otherPeriods.map((o) => `per ${o.period} ${formatUsd(o.usd)}`).join(', ')} (a month is 30 days, a year 365)`);
  if (c) out.push(`1 USD = ${c.rate.toDecimal(6)} ${c.code} (the rate you gave with --fx)`);
  if (opts.explain) out.push('', ...explainLines(p));
  for (const n of p.notes) out.push(`note: ${n}`);
  out.push(...sourcesFooter(p.entries));
  return out.join('\n') + '\n';
}

function explainLines(p: Projection): string[] {
  const out = ['arithmetic (USD per million tokens; exact, rounded only for display):'];
  for (const r of p.rows) {
    out.push(`  ${r.model} (${formatPercent(r.share.div(int(100)))} of the traffic):`);
    for (const l of r.costed.lines) out.push(`    ${l.explain}`);
    out.push(`    = ${formatUsd(r.usd)}`);
    if (r.entry.note) out.push(`    (${r.entry.note})`);
  }
  out.push(`  total: ${p.rows.map((r) => formatUsd(r.usd)).join(' + ')} = ${formatUsd(p.total)} (exact $${p.total.toDecimal(12)})`);
  return out;
}

const pct = (fraction: Rational) => usdNumber(fraction.mul(int(100)));

export function projectionJson(p: Projection, currency?: Conversion): unknown {
  const volume = p.volume.kind === 'tokens'
    ? { tokens: usdNumber(p.volume.tokens) }
    : { requests: usdNumber(p.volume.requests), inPerRequest: usdNumber(p.volume.inPerRequest), outPerRequest: usdNumber(p.volume.outPerRequest) };
  return {
    kind: 'projection',
    period: p.period,
    volume,
    inputShare: usdNumber(p.inputShare),
    inputShareDefaulted: p.inputShareDefaulted,
    cacheHit: usdNumber(p.cacheHit),
    batchShare: usdNumber(p.batchShare),
    models: p.rows.map((r) => ({
      model: r.model,
      sharePct: usdNumber(r.share),
      tokensIn: usdNumber(r.tokensIn),
      cachedIn: usdNumber(r.cachedIn),
      tokensOut: usdNumber(r.tokensOut),
      pricesPerMTok: { input: usdNumber(r.entry.input), cachedInput: usdNumber(cachedRate(r.entry)), output: usdNumber(r.entry.output), batchDiscount: r.entry.batchDiscount ? usdNumber(r.entry.batchDiscount) : null },
      usd: usdNumber(r.usd),
      usdExact: r.usd.toDecimal(12),
      display: formatUsd(r.usd),
      lines: r.costed.lines.map((l) => ({ part: l.part, tokens: usdNumber(l.tokens), perMTok: usdNumber(l.perMTok), usd: usdNumber(l.usd), explain: l.explain })),
      ...(currency ? { converted: usdNumber(r.usd.mul(currency.rate)) } : {}),
    })),
    total: { usd: usdNumber(p.total), usdExact: p.total.toDecimal(12), display: formatUsd(p.total), ...(currency ? { converted: usdNumber(p.total.mul(currency.rate)) } : {}) },
    scenarios: p.scenarios.map((s) => ({
      name: s.name, usd: usdNumber(s.usd), display: formatUsd(s.usd),
      savingsUsd: s.savings ? usdNumber(s.savings) : null, savingsPct: s.savingsPct ? pct(s.savingsPct) : null,
      ...(currency ? { converted: usdNumber(s.usd.mul(currency.rate)) } : {}),
    })),
    otherPeriods: p.otherPeriods.map((o) => ({ period: o.period, usd: usdNumber(o.usd) })),
    currency: currency ? { code: currency.code, ratePerUsd: usdNumber(currency.rate), source: '--fx' } : null,
    notes: p.notes,
    prices: p.entries.map((e) => ({ model: e.model, origin: e.origin, overridden: e.overridden, source: e.source, asOf: e.asOf ?? null })),
  };
}

export function projectionCsv(p: Projection, currency?: Conversion): string {
  const header = ['row', 'name', 'share_pct', 'tokens_in', 'cached_in', 'tokens_out', 'usd_per_mtok_in', 'usd_per_mtok_cached', 'usd_per_mtok_out', 'cost_usd'];
  if (currency) header.push(`cost_${currency.code.toLowerCase()}`);
  header.push('savings_usd', 'savings_pct');
  const conv = (v: Rational) => (currency ? [usdNumber(v.mul(currency.rate))] : []);
  const rows = p.rows.map((r) => [
    'model', r.model, usdNumber(r.share), usdNumber(r.tokensIn), usdNumber(r.cachedIn), usdNumber(r.tokensOut),
    usdNumber(r.entry.input), usdNumber(cachedRate(r.entry)), usdNumber(r.entry.output), usdNumber(r.usd), ...conv(r.usd), undefined, undefined,
  ]);
  const tIn = p.rows.reduce((a, r) => a.add(r.tokensIn), int(0));
  const tCached = p.rows.reduce((a, r) => a.add(r.cachedIn), int(0));
  const tOut = p.rows.reduce((a, r) => a.add(r.tokensOut), int(0));
  rows.push(['total', 'mix', 100, usdNumber(tIn), usdNumber(tCached), usdNumber(tOut), undefined, undefined, undefined, usdNumber(p.total), ...conv(p.total), undefined, undefined]);
  for (const s of p.scenarios) {
    rows.push(['scenario', s.name, undefined, undefined, undefined, undefined, undefined, undefined, undefined, usdNumber(s.usd), ...conv(s.usd),
      s.savings ? usdNumber(s.savings) : undefined, s.savingsPct ? pct(s.savingsPct) : undefined]);
  }
  return toCsv(header, rows);
}

