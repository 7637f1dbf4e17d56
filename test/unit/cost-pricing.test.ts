import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { normalizeUsage } from '../../src/core/usage.js';
import { Rational, parseDecimal, int } from '../../src/cost/rational.js';
import { costOfUsage, priceSplit, projectSplit, splitUsage } from '../../src/cost/pricing.js';
import { applyOverrides, builtinPrices, lookup, type PriceEntry } from '../../src/cost/price-table.js';
import { formatUsd } from '../../src/cost/money.js';
import { makePricer, toFemto } from '../../src/batch/pricing.js';

const FIX = resolve(import.meta.dirname, '../../fixtures/cost');
const load = (name: string) => JSON.parse(readFileSync(resolve(FIX, name), 'utf8'));
const d = (s: string) => parseDecimal(s)!;

/** A price entry built from a shared case's own price block (USD per 1M tokens). */
function caseEntry(model: string, p: { input: number; cached_input?: number; output: number }): PriceEntry {
  const book = applyOverrides({ entries: [] }, { [model]: { input: p.input, output: p.output, ...(p.cached_input !== undefined ? { cachedInput: p.cached_input } : {}) } }, 'case');
  return book.entries[0]!;
}

describe('R26: cached tokens are a subset of prompt tokens', () => {
  const r26 = load('R26-cost-cached-tokens.usage.json');
  const usage = normalizeUsage(r26.usage)!;
  const entry = caseEntry('r26', r26.prices_usd_per_1m_tokens);

  it('costs exactly $0.0055649 (5,564,900,000 pico-dollars), not the double-billed $0.0137139', () => {
    const c = costOfUsage(usage, entry);
    expect(c.usd.eq(new Rational(55_649n, 10_000_000n))).toBe(true);
    expect(c.usd.mul(int(10 ** 12)).toString()).toBe('5564900000');
    expect(c.usd.toDecimal()).toBe(String(r26.expected_cost_usd));
    expect(c.usd.toDecimal()).not.toBe(String(r26.buggy_cost_usd));
  });

  it('bills 3,914 uncached + 16,298 cached + 931 output tokens, as the case breaks it down', () => {
    const c = costOfUsage(usage, entry);
    expect(c.lines.map((l) => [l.part, l.tokens.toString(), l.usd.toDecimal()])).toEqual([
      ['input', '3914', '0.001957'],
      ['cached', '16298', '0.0008149'],
      ['output', '931', '0.002793'],
    ]);
    expect(c.lines[0]!.explain).toBe('3,914 in x $0.50/MTok = $0.001957');
  });

  it('shows a per-request cost below a cent to 4 decimals', () => {
    expect(formatUsd(costOfUsage(usage, entry).usd)).toBe('$0.0056');
  });
});

describe('R27: reasoning tokens are a subset of completion tokens', () => {
  const r27 = load('R27-cost-reasoning-tokens.usage.json');
  const usage = normalizeUsage(r27.usage)!;
  const entry = caseEntry('r27', r27.prices_usd_per_1m_tokens);

  it('costs exactly $0.7923, not $1.0371', () => {
    const c = costOfUsage(usage, entry);
    expect(c.usd.eq(d('0.7923'))).toBe(true);
    expect(c.usd.eq(d(String(r27.buggy_cost_usd)))).toBe(false);
  });

  it('does not inflate the token counts it shows: 1,944 output tokens, 1,360 of them reasoning', () => {
    expect(usage.completionTokens).toBe(1944);
    expect(usage.reasoningTokens).toBe(1360);
    expect(splitUsage(usage).output.toString()).toBe('1944');
    expect(usage.totalTokens).toBe(16690);
  });
});

describe('pricing rules', () => {
  const book = builtinPrices();
  const sonnet = lookup(book, 'claude-sonnet-4-5')!;

  it('prices Anthropic cache writes at the cache-write rate and never adds them to the prompt twice', () => {
    // Anthropic's native usage counts cache reads and writes outside input_tokens.
    const u = normalizeUsage({ input_tokens: 1000, cache_read_input_tokens: 20_000, cache_creation_input_tokens: 4000, output_tokens: 500 })!;
    expect(u.promptTokens).toBe(25_000);
    const c = costOfUsage(u, sonnet);
    expect(c.lines.map((l) => [l.part, l.tokens.toString()])).toEqual([['input', '1000'], ['cached', '20000'], ['cacheWrite', '4000'], ['output', '500']]);
    // 1000 x 3 + 20000 x 0.30 + 4000 x 3.75 + 500 x 15 = 3000 + 6000 + 15000 + 7500 micro-dollars
    expect(c.usd.eq(d('0.0315'))).toBe(true);
  });

  it('reads DeepSeek cache-hit usage as cached input', () => {
    const u = normalizeUsage({ prompt_tokens: 5000, prompt_cache_hit_tokens: 4000, prompt_cache_miss_tokens: 1000, completion_tokens: 800 })!;
    expect(costOfUsage(u, lookup(book, 'deepseek-chat')!).usd.toDecimal()).toBe('0.000728');
  });

  it('takes the batch discount off the batch share only, and says when a model has none', () => {
    const gpt = lookup(book, 'gpt-4.1')!;
    const split = projectSplit(int(1_000_000), int(1_000_000), int(0));
    const c = priceSplit(split, gpt, { batchShare: d('0.5') });
    // list 2 + 8 = 10; half of it at 50% off saves 2.50
    expect(c.usd.toDecimal()).toBe('7.5');
    expect(c.lines.at(-1)!.explain).toBe('batch: 50% of $10.00 at 50% off = -$2.50');
    const ds = priceSplit(split, lookup(book, 'deepseek-v3.2')!, { batchShare: d('0.5') });
    expect(ds.usd.toDecimal()).toBe('0.7');
    expect(ds.notes.join()).toMatch(/no batch discount/);
  });

  it('prices cached tokens at the input rate when a model has no cached price, and says so', () => {
    const plain = applyOverrides({ entries: [] }, { plain: { input: 1, output: 2 } }, '--prices p.json').entries[0]!;
    const c = priceSplit(projectSplit(int(1_000_000), int(0), d('0.5')), plain);
    expect(c.usd.toDecimal()).toBe('1');
    expect(c.notes.join()).toMatch(/no cached-input price/);
  });
});

describe('batch pricer (integer femto-dollars) agrees with the exact pricing', () => {
  it('for plain, cached, cache-write and reasoning usage', () => {
    const book = builtinPrices();
    const pricer = makePricer(book);
    const base = { promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, estimated: false };
    const usages = [
      { ...base, promptTokens: 1234, completionTokens: 56 },
      { ...base, promptTokens: 1000, cachedTokens: 600, completionTokens: 10, reasoningTokens: 4 },
      { ...base, promptTokens: 1000, cachedTokens: 300, cacheWriteTokens: 900, completionTokens: 1 },
    ];
    for (const model of ['gpt-4.1-mini', 'claude-sonnet-4-5']) {
      const e = lookup(book, model)!;
      expect(e).toBeDefined();
      for (const u of usages) expect(pricer(model, u)).toBe(toFemto(costOfUsage(u, e).usd));
    }
    expect(pricer('no-such-model-xyz', usages[0]!)).toBeNull();
  });
});
