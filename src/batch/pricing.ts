import type { Usage } from '../core/types.js';
import { lookup, type PriceBook } from '../cost/price-table.js';
import { costOfUsage } from '../cost/pricing.js';
import { usdNumber } from '../cost/money.js';
import { Rational, ZERO } from '../cost/rational.js';

// Spend of a batch, exact (cost/ prices in rationals): what a line cost, what the run has spent,
// and --max-cost. A model without a known price costs null, never a guess (DESIGN 7).

export type Pricer = (model: string, usage: Usage) => Rational | null;

export function makePricer(book: PriceBook): Pricer {
  const entries = new Map<string, ReturnType<typeof lookup>>();
  const entryFor = (name: string) => {
    if (!entries.has(name)) entries.set(name, lookup(book, name));
    return entries.get(name);
  };
  return (model, usage) => {
    const e = entryFor(model);
    return e ? costOfUsage(usage, e).usd : null;
  };
}

/** The price entry's model name for a request or reply model, or undefined when relay has no price. */
export function knownPrice(book: PriceBook, model: string): boolean {
  return lookup(book, model) !== undefined;
}

export function usd(v: Rational | null): number | null {
  return v === null ? null : usdNumber(v);
}

/** A running total that stays exact; also counts what could not be priced. */
export class Spend {
  total: Rational = ZERO;
  pricedLines = 0;
  unpricedLines = 0;

  add(v: Rational | null): void {
    if (v === null) this.unpricedLines++;
    else {
      this.pricedLines++;
      if (!v.isZero()) this.total = this.total.add(v);
    }
  }

  /** USD as a JSON number; null when no line could be priced at all. */
  usd(): number | null {
    return this.pricedLines === 0 && this.unpricedLines > 0 ? null : usdNumber(this.total);
  }

  reached(limit: Rational | undefined): boolean {
    return limit !== undefined && this.total.cmp(limit) >= 0;
  }
}
