import { Rational, ZERO, ONE, int, sum, parseDecimal } from './rational.js';
import { type MixPart, type Period, PERIOD_DAYS } from './amounts.js';
import { type PriceBook, type PriceEntry, resolveModels } from './price-table.js';
import { type Costed, priceSplit, projectSplit } from './pricing.js';

// "What will this model mix cost per month?": the traffic is split by the mix shares, each part
// priced with its model's list prices, and the mix compared with sending everything to one model.

/**
 * 3 input tokens per output token: the ratio Artificial Analysis uses for its "blended" prices,
 * a common stand-in for chat traffic. Printed whenever it is used, with the flag that changes it.
 */
export const DEFAULT_INPUT_SHARE = parseDecimal('0.75')!;
export const DEFAULT_INPUT_SHARE_WHY = 'default: 3 input tokens per output token, the blended ratio commonly used for chat traffic';

export type Volume =
  | { kind: 'tokens'; tokens: Rational }
  | { kind: 'requests'; requests: Rational; inPerRequest: Rational; outPerRequest: Rational };

export interface ProjectionInput {
  volume: Volume;
  period: Period;
  mix: MixPart[];
  /** Share of tokens that are input (tokens volume only); undefined = DEFAULT_INPUT_SHARE. */
  inputShare?: Rational;
  cacheHit: Rational;
  batchShare: Rational;
  /** Extra "all X" scenarios for models not in the mix. */
  compare: string[];
}

export interface ModelRow {
  model: string;
  entry: PriceEntry;
  /** Percent of the traffic. */
  share: Rational;
  tokensIn: Rational;
  cachedIn: Rational;
  tokensOut: Rational;
  costed: Costed;
  usd: Rational;
}

export interface Scenario {
  /** `all gpt-4.1` or `mix`. */
  name: string;
  model?: string;
  usd: Rational;
  /** What the mix saves compared with this scenario (negative: the mix costs more). */
  savings?: Rational;
  /** savings / this scenario's cost. */
  savingsPct?: Rational;
}

export interface Projection {
  volume: Volume;
  period: Period;
  inputShare: Rational;
  inputShareDefaulted: boolean;
  cacheHit: Rational;
  batchShare: Rational;
  rows: ModelRow[];
  total: Rational;
  scenarios: Scenario[];
  /** The same total for the other periods (a month is 30 days, a year 365). */
  otherPeriods: { period: Period; usd: Rational }[];
  notes: string[];
  /** Every price entry used (mix and compared models), for the sources footer. */
  entries: PriceEntry[];
}

const HUNDRED = int(100);

function workload(inp: ProjectionInput, fraction: Rational, inputShare: Rational): { tokensIn: Rational; tokensOut: Rational } {
  const v = inp.volume;
  if (v.kind === 'requests') {
    const req = v.requests.mul(fraction);
    return { tokensIn: req.mul(v.inPerRequest), tokensOut: req.mul(v.outPerRequest) };
  }
  const tokens = v.tokens.mul(fraction);
  const tokensIn = tokens.mul(inputShare);
  return { tokensIn, tokensOut: tokens.sub(tokensIn) };
}

function priceFor(inp: ProjectionInput, entry: PriceEntry, fraction: Rational, inputShare: Rational) {
  const { tokensIn, tokensOut } = workload(inp, fraction, inputShare);
  const split = projectSplit(tokensIn, tokensOut, inp.cacheHit);
  const costed = priceSplit(split, entry, { batchShare: inp.batchShare });
  return { tokensIn, tokensOut, cachedIn: split.cachedInput, costed };
}

export function project(book: PriceBook, inp: ProjectionInput): Projection {
  const inputShare = inp.volume.kind === 'tokens' ? (inp.inputShare ?? DEFAULT_INPUT_SHARE) : ZERO;
  const notes = new Set<string>();
  const mixEntries = resolveModels(book, inp.mix.map((m) => m.model), ' in --mix');
  const compared = resolveModels(book, inp.compare, ' in --compare');
  const rows: ModelRow[] = inp.mix.map((part, i) => {
    const entry = mixEntries[i]!;
    const p = priceFor(inp, entry, part.share.div(HUNDRED), inputShare);
    p.costed.notes.forEach((n) => notes.add(n));
    return { model: entry.model, entry, share: part.share, tokensIn: p.tokensIn, cachedIn: p.cachedIn, tokensOut: p.tokensOut, costed: p.costed, usd: p.costed.usd };
  });
  const total = sum(rows.map((r) => r.usd));

  const alone = [...rows.map((r) => r.entry), ...compared].filter((e, i, all) => all.findIndex((x) => x.model === e.model) === i);
  const scenarios: Scenario[] = [];
  if (alone.length > 1 || compared.length) {
    for (const entry of alone) {
      const usd = priceFor(inp, entry, ONE, inputShare).costed.usd;
      const savings = usd.sub(total);
      scenarios.push({ name: `all ${entry.model}`, model: entry.model, usd, savings, savingsPct: usd.isZero() ? undefined : savings.div(usd) });
    }
    scenarios.push({ name: rows.length > 1 ? 'mix' : `mix (${rows[0]!.model})`, usd: total });
  }

  const perDay = total.div(PERIOD_DAYS[inp.period]);
  const otherPeriods = (['day', 'month', 'year'] as Period[])
    .filter((p) => p !== inp.period)
    .map((period) => ({ period, usd: perDay.mul(PERIOD_DAYS[period]) }));

  return {
    volume: inp.volume, period: inp.period, inputShare, inputShareDefaulted: inp.volume.kind === 'tokens' && !inp.inputShare,
    cacheHit: inp.cacheHit, batchShare: inp.batchShare, rows, total, scenarios, otherPeriods,
    notes: [...notes], entries: alone,
  };
}
