import type { Usage } from '../core/types.js';
import { cachedRate, lookup, type PriceBook, type PriceEntry } from '../cost/price-table.js';
import { costOfUsage, splitCounts } from '../cost/pricing.js';
import { MILLION, Rational } from '../cost/rational.js';

// Spend of a batch, exact: amounts are integers of femto-dollars (1e-15 USD) in BigInts. Every
// price in the table (USD per million tokens, at most 9 decimals) is a whole number of femto-dollars
// per token, so a line costs four integer multiplications instead of the rational arithmetic and
// explanation strings of cost/pricing.ts, which is used only for prices finer than that.
// The formula is DESIGN 7 (cached within prompt, reasoning within completion), via splitCounts.
// A model without a known price costs null, never a guess.

export const FEMTO_PER_USD = 10n ** 15n;
const PER_TOKEN_SCALE = new Rational(FEMTO_PER_USD).div(MILLION); // femto-USD per token per (USD per MTok)

export type Pricer = (model: string, usage: Usage) => bigint | null;

interface Rates { input: bigint; cached: bigint; cacheWrite: bigint; output: bigint }

function femtoRate(perMTok: Rational): bigint | undefined {
  const r = perMTok.mul(PER_TOKEN_SCALE);
  return r.isInteger() ? r.n : undefined;
}

function ratesOf(e: PriceEntry): Rates | undefined {
  const input = femtoRate(e.input);
  const cached = femtoRate(cachedRate(e));
  const cacheWrite = femtoRate(e.cacheWrite ?? e.input);
  const output = femtoRate(e.output);
  if (input === undefined || cached === undefined || cacheWrite === undefined || output === undefined) return undefined;
  return { input, cached, cacheWrite, output };
}

export function makePricer(book: PriceBook): Pricer {
  const cache = new Map<string, { e?: PriceEntry; rates?: Rates }>();
  return (model, usage) => {
    let c = cache.get(model);
    if (!c) {
      const e = lookup(book, model);
      c = { e, rates: e ? ratesOf(e) : undefined };
      cache.set(model, c);
    }
    if (!c.e) return null;
    if (!c.rates) return toFemto(costOfUsage(usage, c.e).usd);
    const [uncached, cached, writes, output] = splitCounts(usage);
    const r = c.rates;
    return BigInt(uncached) * r.input + BigInt(cached) * r.cached + BigInt(writes) * r.cacheWrite + BigInt(output) * r.output;
  };
}

/** Rounded to the nearest femto-dollar (only prices with more than 9 decimals per MTok round). */
export function toFemto(v: Rational): bigint {
  const scaled = v.n * FEMTO_PER_USD;
  const q = scaled / v.d;
  return (scaled % v.d) * 2n >= v.d ? q + 1n : q;
}

export function knownPrice(book: PriceBook, model: string): boolean {
  return lookup(book, model) !== undefined;
}

/** USD as a JSON number (exact to 1e-15 for amounts below $9). */
export function usd(v: bigint | null): number | null {
  return v === null ? null : Number(v) / 1e15;
}

export function usdRational(v: bigint): Rational {
  return new Rational(v, FEMTO_PER_USD);
}

/** A running total that stays exact; also counts lines that could not be priced. */
export class Spend {
  total = 0n;
  pricedLines = 0;
  unpricedLines = 0;

  add(v: bigint | null): void {
    if (v === null) this.unpricedLines++;
    else {
      this.pricedLines++;
      this.total += v;
    }
  }

  /** USD as a JSON number; null when no line could be priced at all. */
  usd(): number | null {
    return this.pricedLines === 0 && this.unpricedLines > 0 ? null : usd(this.total);
  }

  reached(limitFemto: bigint | undefined): boolean {
    return limitFemto !== undefined && this.total >= limitFemto;
  }
}
