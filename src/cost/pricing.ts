import type { Usage } from '../core/types.js';
import { Rational, ZERO, MILLION, int, sum } from './rational.js';
import { type PriceEntry, cachedRate } from './price-table.js';
import { formatPrice, formatTokens, formatPercent } from './money.js';

// Pure pricing (DESIGN 7): cost = uncached input x input + cached x cachedInput
// + cache writes x cacheWrite + output x output. Cached tokens are a subset of prompt tokens and
// reasoning tokens a subset of completion tokens (shared cases R26, R27): neither is added twice.

export interface TokenSplit {
  /** Prompt tokens billed at the full input rate. */
  uncachedInput: Rational;
  /** Prompt tokens served from the provider's cache. */
  cachedInput: Rational;
  /** Prompt tokens written to the cache (Anthropic-style), billed at cacheWrite. */
  cacheWrite: Rational;
  /** Completion tokens, reasoning included. */
  output: Rational;
}

export type CostPart = 'input' | 'cached' | 'cacheWrite' | 'output' | 'batch';

export interface CostLine {
  part: CostPart;
  tokens: Rational;
  /** USD per million tokens applied to `tokens`. */
  perMTok: Rational;
  usd: Rational;
  /** The arithmetic, for --explain: `7,000,000 out x $0.42/MTok = $2.94`. */
  explain: string;
}

export interface Costed {
  lines: CostLine[];
  usd: Rational;
  notes: string[];
}

const LABEL: Record<Exclude<CostPart, 'batch'>, string> = { input: 'in', cached: 'cached in', cacheWrite: 'cache write', output: 'out' };

/** Exact dollars with at least cents: $2.40, $0.001957. */
export function exactUsd(v: Rational): string {
  const [whole, frac = ''] = v.toDecimal(12).split('.');
  return (v.sign() < 0 ? '-$' + whole!.slice(1) : '$' + whole) + '.' + frac.padEnd(2, '0');
}

/** DESIGN 7's split as plain token counts: [uncached input, cached input, cache writes, output]. */
export function splitCounts(u: Usage): [number, number, number, number] {
  const cached = Math.min(u.cachedTokens, u.promptTokens);
  const writes = Math.min(u.cacheWriteTokens, u.promptTokens - cached);
  return [u.promptTokens - cached - writes, cached, writes, u.completionTokens];
}

/** Splits one normalised usage object; cache writes are taken out of the prompt, never added to it. */
export function splitUsage(u: Usage): TokenSplit {
  const [uncached, cached, writes, output] = splitCounts(u);
  return { uncachedInput: int(uncached), cachedInput: int(cached), cacheWrite: int(writes), output: int(output) };
}

function line(part: Exclude<CostPart, 'batch'>, tokens: Rational, perMTok: Rational): CostLine {
  const usd = tokens.mul(perMTok).div(MILLION);
  return { part, tokens, perMTok, usd, explain: `${formatTokens(tokens)} ${LABEL[part]} x $${formatPrice(perMTok)}/MTok = ${exactUsd(usd)}` };
}

/**
 * Prices a token split with one entry. `batchShare` (0..1) of the traffic gets the entry's batch
 * discount on every line; a model without one is priced at list for that share, and says so.
 */
export function priceSplit(split: TokenSplit, e: PriceEntry, opts: { batchShare?: Rational } = {}): Costed {
  const notes: string[] = [];
  const lines: CostLine[] = [];
  if (!split.uncachedInput.isZero()) lines.push(line('input', split.uncachedInput, e.input));
  if (!split.cachedInput.isZero()) {
    if (!e.cachedInput) notes.push(`${e.model} has no cached-input price; cached tokens are priced at the input rate`);
    lines.push(line('cached', split.cachedInput, cachedRate(e)));
  }
  if (!split.cacheWrite.isZero()) {
    if (!e.cacheWrite) notes.push(`${e.model} has no cache-write price; cache writes are priced at the input rate`);
    lines.push(line('cacheWrite', split.cacheWrite, e.cacheWrite ?? e.input));
  }
  if (!split.output.isZero() || !lines.length) lines.push(line('output', split.output, e.output));
  const list = sum(lines.map((l) => l.usd));
  const share = opts.batchShare ?? ZERO;
  if (!share.isZero()) {
    if (!e.batchDiscount || e.batchDiscount.isZero()) {
      notes.push(`${e.model} has no batch discount; its batch share is priced at list`);
    } else {
      const off = list.mul(share).mul(e.batchDiscount).neg();
      lines.push({
        part: 'batch', tokens: ZERO, perMTok: ZERO, usd: off,
        explain: `batch: ${formatPercent(share)} of ${exactUsd(list)} at ${formatPercent(e.batchDiscount)} off = ${exactUsd(off)}`,
      });
    }
  }
  return { lines, usd: sum(lines.map((l) => l.usd)), notes };
}

export function costOfUsage(u: Usage, e: PriceEntry): Costed {
  return priceSplit(splitUsage(u), e);
}

/** Tokens of a projected workload: `input` tokens of which `cacheHit` served from cache, plus output. */
export function projectSplit(input: Rational, output: Rational, cacheHit: Rational): TokenSplit {
  const cached = input.mul(cacheHit);
  return { uncachedInput: input.sub(cached), cachedInput: cached, cacheWrite: ZERO, output };
}

