import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyOverrides, builtinPrices, describeSource, lookup, resolveModel, suggestions } from '../../src/cost/price-table.js';
import { buildBook } from '../../src/cost/overrides.js';
import { filterBook, pricesCsv, pricesText } from '../../src/cost/prices-report.js';
import { RelayError } from '../../src/core/errors.js';
import { editDistance } from '../../src/cost/suggest.js';

const raw = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../src/cost/prices.json'), 'utf8'));
const book = builtinPrices();

describe('built-in price list', () => {
  const required = ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'gpt-4o', 'gpt-4o-mini', 'o3', 'o4-mini', 'claude-sonnet-4-5',
    'claude-haiku-4-5', 'claude-opus-4-1', 'gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'deepseek-v3.2'];

  it('has every model the issue lists, and the DeepSeek API names', () => {
    for (const m of required) expect(lookup(book, m)?.model, m).toBe(m);
    expect(lookup(book, 'deepseek-chat')!.model).toBe('deepseek-v3.2');
    expect(lookup(book, 'deepseek-reasoner')!.model).toBe('deepseek-v3.2');
  });

  it('gives every entry a provider page as source and a publication date', () => {
    for (const [model, e] of Object.entries(raw.models as Record<string, Record<string, unknown>>)) {
      expect(e.source, model).toMatch(/^https:\/\//);
      expect(e.asOf, model).toMatch(/^20\d\d-\d\d-\d\d$/);
      expect(e.checked, model).toMatch(/LiteLLM/);
      expect(typeof e.input === 'number' && typeof e.output === 'number', model).toBe(true);
    }
  });

  it('carries the design reference prices: deepseek-v3.2 output $0.42, gpt-4.1 output $8.00', () => {
    expect(lookup(book, 'deepseek-v3.2')!.output.toDecimal()).toBe('0.42');
    expect(lookup(book, 'gpt-4.1')!.output.toDecimal()).toBe('8');
  });

  it('keeps the provider figure where LiteLLM disagrees, and records the disagreement', () => {
    expect(raw.models['deepseek-v3.2'].checked).toMatch(/0\.40 output.*0\.42 is kept/);
  });
});

describe('looking models up', () => {
  it('ignores case and a provider prefix, and knows dated snapshots with the same price', () => {
    expect(lookup(book, 'OpenAI/GPT-4.1')!.model).toBe('gpt-4.1');
    expect(lookup(book, 'gpt-4o-mini-2024-07-18')!.model).toBe('gpt-4o-mini');
    expect(lookup(book, 'models/gemini-2.5-pro')!.model).toBe('gemini-2.5-pro');
    expect(lookup(book, 'anthropic/claude-sonnet-4.5')!.model).toBe('claude-sonnet-4-5');
  });

  it('does not treat the older, dearer gpt-4o snapshot as gpt-4o', () => {
    expect(lookup(book, 'gpt-4o-2024-05-13')).toBeUndefined();
  });

  it('suggests the nearest names by edit distance (and by containment)', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(suggestions(book, 'gpt-4.2')[0]).toBe('gpt-4.1');
    expect(suggestions(book, 'sonnet')[0]).toBe('claude-sonnet-4-5');
    expect(suggestions(book, 'gemini-2.5-flsh')[0]).toBe('gemini-2.5-flash');
    expect(() => resolveModel(book, 'llama-9')).toThrow(RelayError);
  });
});

describe('overrides', () => {
  it('replaces single fields of a known model and names both origins', () => {
    const b = applyOverrides(book, { 'gpt-4.1': { output: 10 } }, '--prices mine.json');
    const e = lookup(b, 'gpt-4.1')!;
    expect(e.output.toDecimal()).toBe('10');
    expect(e.input.toDecimal()).toBe('2');
    expect(e.overridden).toEqual(['output']);
    expect(describeSource(e)).toBe('output from --prices mine.json; the rest https://openai.com/api/pricing/ as of 2025-04-14');
    expect(lookup(book, 'gpt-4.1')!.output.toDecimal()).toBe('8');
  });

  it('adds unknown models, which need input and output', () => {
    const b = applyOverrides(book, { 'my-model': { input: 0.5, cachedInput: 0.05, output: 1.5 } }, 'config: relay.config.json');
    expect(lookup(b, 'my-model')!.origin).toBe('config: relay.config.json');
    expect(() => applyOverrides(book, { 'half-model': { input: 1 } }, '--prices x.json')).toThrow(/half-model\.output: required/);
  });

  it('reports every problem at once with exit code 3', () => {
    let err: RelayError | undefined;
    try {
      applyOverrides(book, { a: { input: -1, output: 'cheap' }, 'gpt-4.1': { outptu: 3, batchDiscount: 50 } }, '--prices x.json');
    } catch (e) { err = e as RelayError; }
    expect(err?.exitCode).toBe(3);
    expect(err?.message).toContain('4 problems');
    expect(err?.message).toMatch(/a\.input: must be a number >= 0/);
    expect(err?.message).toMatch(/a\.output: must be a number >= 0/);
    expect(err?.message).toMatch(/gpt-4\.1\.outptu: unknown field/);
    expect(err?.message).toMatch(/batchDiscount: is the fraction taken off/);
  });

  it('layers config below --prices: the later layer wins and is the one named', () => {
    const b = buildBook([
      { label: 'config: .relayrc.json', prices: { 'gpt-4.1': { output: 9 } } },
      { label: '--prices p.json', prices: { 'gpt-4.1': { output: 10 } } },
    ]);
    const e = lookup(b, 'gpt-4.1')!;
    expect(e.output.toDecimal()).toBe('10');
    expect(e.origin).toBe('--prices p.json');
  });
});

describe('relay cost prices listing', () => {
  it('filters by name, alias or provider', () => {
    expect(filterBook(book, 'claude').map((e) => e.model)).toEqual(['claude-haiku-4-5', 'claude-opus-4-1', 'claude-sonnet-4-5']);
    expect(filterBook(book, 'deepseek-chat').map((e) => e.model)).toEqual(['deepseek-v3.2']);
    expect(filterBook(book, 'google')).toHaveLength(3);
  });

  it('shows each entry with its origin, date and source; overridden entries say so', () => {
    const b = applyOverrides(book, { 'gpt-4.1': { output: 10 }, 'my-model': { input: 1, output: 2 } }, '--prices mine.json');
    const text = pricesText(filterBook(b));
    expect(text).toMatch(/^gpt-4\.1\s+2\.00\s+0\.50\s+10\.00\s+-\s+50% off\s+--prices mine\.json \(output; rest built-in\)\s+2025-04-14/m);
    expect(text).toMatch(/^my-model\s+1\.00\s+-\s+2\.00\s+-\s+-\s+--prices mine\.json/m);
    expect(text).toMatch(/^deepseek-v3\.2\s+0\.28\s+0\.028\s+0\.42\s+-\s+-\s+built-in\s+2025-09-29\s+https:\/\/api-docs\.deepseek\.com/m);
    const csv = pricesCsv(filterBook(b, 'gpt-4.1-nano'));
    expect(csv.split('\n')[1]).toMatch(/^gpt-4\.1-nano,openai,0\.1,0\.025,0\.4,,0\.5,built-in,,2025-04-14,https:\/\/openai\.com\/api\/pricing\/,/);
  });
});
