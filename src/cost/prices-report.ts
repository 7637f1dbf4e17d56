import { formatPrice, formatPercent, usdNumber } from './money.js';
import { BUILT_IN, type PriceBook, type PriceEntry } from './price-table.js';
import { renderTable } from './text-table.js';
import { toCsv } from './csv.js';

// `relay cost prices`: the price list with where every entry came from.

export function filterBook(book: PriceBook, filter?: string): PriceEntry[] {
  const f = filter?.trim().toLowerCase();
  const hits = f ? book.entries.filter((e) => [e.model, ...e.aliases, e.provider ?? ''].some((n) => n.toLowerCase().includes(f))) : book.entries;
  return [...hits].sort((a, b) => (a.provider ?? '~').localeCompare(b.provider ?? '~') || a.model.localeCompare(b.model));
}

function origin(e: PriceEntry): string {
  if (e.origin === BUILT_IN) return BUILT_IN;
  return e.overridden.length ? `${e.origin} (${e.overridden.join(', ')}; rest built-in)` : e.origin;
}

const opt = (v: PriceEntry['cacheWrite']) => (v ? formatPrice(v) : '-');

export function pricesText(entries: PriceEntry[]): string {
  const rows = entries.map((e) => [
    e.model, formatPrice(e.input), opt(e.cachedInput), formatPrice(e.output), opt(e.cacheWrite),
    e.batchDiscount ? `${formatPercent(e.batchDiscount)} off` : '-', origin(e), e.asOf ?? '-', e.source,
  ]);
  const table = renderTable([
    { header: 'model' }, { header: 'input', align: 'right' }, { header: 'cached in', align: 'right' }, { header: 'output', align: 'right' },
    { header: 'cache write', align: 'right' }, { header: 'batch', align: 'right' }, { header: 'from' }, { header: 'as of' }, { header: 'source' },
  ], rows);
  const aliases = entries.filter((e) => e.aliases.length).map((e) => `  ${e.model}: ${e.aliases.join(', ')}`);
  return [
    'USD per 1M tokens. "-": the provider has no such price (cached input is then billed at the input rate).',
    '',
    ...table,
    ...(aliases.length ? ['', 'also answers to:', ...aliases] : []),
    '',
    'notes and second sources: relay cost prices --json',
  ].join('\n') + '\n';
}

export function pricesJson(entries: PriceEntry[]): unknown {
  return {
    unit: 'USD per 1M tokens',
    models: entries.map((e) => ({
      model: e.model,
      provider: e.provider ?? null,
      input: usdNumber(e.input),
      cachedInput: e.cachedInput ? usdNumber(e.cachedInput) : null,
      output: usdNumber(e.output),
      cacheWrite: e.cacheWrite ? usdNumber(e.cacheWrite) : null,
      batchDiscount: e.batchDiscount ? usdNumber(e.batchDiscount) : null,
      aliases: e.aliases,
      origin: e.origin,
      overridden: e.overridden,
      source: e.source,
      asOf: e.asOf ?? null,
      checked: e.checked ?? null,
      note: e.note ?? null,
    })),
  };
}

export function pricesCsv(entries: PriceEntry[]): string {
  const num = (v: PriceEntry['cacheWrite']) => (v ? usdNumber(v) : undefined);
  return toCsv(
    ['model', 'provider', 'input', 'cached_input', 'output', 'cache_write', 'batch_discount', 'origin', 'overridden', 'as_of', 'source', 'aliases', 'note'],
    entries.map((e) => [
      e.model, e.provider, usdNumber(e.input), num(e.cachedInput), usdNumber(e.output), num(e.cacheWrite), num(e.batchDiscount),
      e.origin, e.overridden.join(' '), e.asOf, e.source, e.aliases.join(' '), e.note,
    ]),
  );
}
