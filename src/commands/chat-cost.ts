import type { LoadedConfig } from '../config/load.js';
import type { Usage } from '../core/types.js';
import type { PriceBook } from '../cost/price-table.js';
import type { CostFigure } from './chat-format.js';

// Cost of one reply from the price table (built-in + config prices). Unknown models get no
// figure at all: relay never guesses a price.

export async function loadPriceBook(loaded: LoadedConfig): Promise<PriceBook> {
  const { buildBook } = await import('../cost/overrides.js');
  const prices = loaded.config.prices;
  return buildBook(prices ? [{ label: `config: ${loaded.file ?? 'config'}`, prices }] : []);
}

export async function costFigure(book: PriceBook, model: string, usage: Usage): Promise<CostFigure | undefined> {
  const [{ lookup, describeSource }, { costOfUsage }, { usdNumber, formatUsd }] = await Promise.all([
    import('../cost/price-table.js'), import('../cost/pricing.js'), import('../cost/money.js'),
  ]);
  const entry = lookup(book, model);
  if (!entry) return undefined;
  const exact = costOfUsage(usage, entry).usd;
  return { usd: usdNumber(exact), text: formatUsd(exact), label: `${usage.estimated ? 'estimated; ' : ''}${entry.model} price: ${describeSource(entry)}` };
}
