import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readResults, usageFrom } from '../../src/cost/from-results.js';
import { actualSpend } from '../../src/cost/actual.js';
import { actualCsv, actualText } from '../../src/cost/actual-report.js';
import { builtinPrices } from '../../src/cost/price-table.js';
import { buildBook } from '../../src/cost/overrides.js';
import { parseDecimal, int } from '../../src/cost/rational.js';
import { RelayError } from '../../src/core/errors.js';

const FIX = resolve(import.meta.dirname, '../../fixtures/cost');
const text = (name: string) => readFileSync(resolve(FIX, name), 'utf8');
const book = builtinPrices();

describe('batch output with cached and reasoning tokens', () => {
  const read = readResults(text('batch-output.jsonl'));

  it('finds usage in every line that has it, failed ones included, and skips the blank line', () => {
    expect(read.records.map((r) => [r.id, r.model, r.failed])).toEqual([
      ['cached-1', 'gpt-4.1-2025-04-14', false],
      ['reasoning-1', 'o4-mini-2025-04-16', false],
      ['deepseek-1', 'deepseek-reasoner', false],
      ['truncated-1', 'gpt-4.1', true],
      ['plain-1', 'gpt-4.1', false],
    ]);
    expect(read.failedWithoutUsage).toBe(2);
    expect(read.skipped).toEqual([]);
  });

  it('prices each model once per token: $0.043828 in total', () => {
    const a = actualSpend(book, read, { source: 'batch-output.jsonl' });
    expect(a.rows.map((r) => [r.model, r.requests, r.failed, r.usd.toDecimal()])).toEqual([
      // 1,000 x 0.28 + 4,000 x 0.028 + 800 x 0.42 (600 reasoning tokens inside the 800)
      ['deepseek-v3.2', 1, 0, '0.000728'],
      // 9,000 x 2 + 8,000 cached x 0.50 + 850 x 8 (one truncated line counted: it may have been billed)
      ['gpt-4.1', 3, 1, '0.0288'],
      // 1,000 x 1.10 + 3,000 x 4.40; the 2,500 reasoning tokens are not added again
      ['o4-mini', 1, 0, '0.0143'],
    ]);
    expect(a.total.toDecimal()).toBe('0.043828');
    expect(a.usage).toMatchObject({ promptTokens: 23_000, cachedTokens: 12_000, completionTokens: 4650, reasoningTokens: 3100 });
    expect(a.failedCounted).toBe(1);
  });

  it('projects a 30-day month from the period the run covers, or from a scale factor', () => {
    const byCovers = actualSpend(book, read, { source: 'x', coversDays: parseDecimal('0.25')! });
    expect(byCovers.monthly!.usd.toDecimal()).toBe('5.25936');
    expect(byCovers.monthly!.basis).toMatch(/x 120 for a 30-day month/);
    expect(actualSpend(book, read, { source: 'x', scale: int(30) }).monthly!.usd.toDecimal()).toBe('1.31484');
  });

  it('tells the reader which failed lines were counted and which were not', () => {
    const out = actualText(actualSpend(book, read, { source: 'batch-output.jsonl' }), 'batch-output.jsonl');
    expect(out).toMatch(/1 of them failed but carried usage, counted because the provider may have billed it/);
    expect(out).toMatch(/2 failed requests without usage, not counted/);
    expect(out).toMatch(/^total\s+5\s+1\s+23,000\s+12,000\s+4,650\s+3,100\s+\$0\.0438$/m);
  });

  it('writes CSV rows with numeric cells', () => {
    const csv = actualCsv(actualSpend(book, read, { source: 'x' }));
    expect(csv.split('\n')).toContain('total,all,5,1,23000,12000,0,4650,3100,0.043828');
  });
});

describe('other inputs', () => {
  it('R32: a 4xx body with error: null is a failure, not usage', () => {
    const read = readResults(text('R32-batch-output-4xx-in-response-body.jsonl'));
    expect(read.records.map((r) => [r.id, r.usage.promptTokens, r.usage.completionTokens])).toEqual([['req-1', 9, 2]]);
    expect(read.failedWithoutUsage).toBe(2);
  });

  it('reads chat --json documents, one per file or one per line', () => {
    const prices = buildBook([{ label: '--prices case-prices.json', prices: JSON.parse(text('case-prices.json')) }]);
    const r26 = actualSpend(prices, readResults(text('chat-r26.json')), { source: 'chat-r26.json' });
    expect(r26.total.toDecimal()).toBe('0.0055649');
    const r27 = actualSpend(prices, readResults(text('chat-r27.jsonl')), { source: 'chat-r27.jsonl' });
    expect(r27.total.toDecimal()).toBe('0.7923');
    expect(r27.usage.completionTokens).toBe(1944);
  });

  it('sums bench JSON requests that carry usage and skips a bench report without any', () => {
    const read = readResults(text('bench-with-usage.json'));
    expect(read.records).toHaveLength(2);
    expect(read.failedWithoutUsage).toBe(1);
    expect(actualSpend(book, read, { source: 'b' }).total.toDecimal()).toBe('0.0000975');
    const none = readResults(text('bench-without-usage.json'));
    expect(none.records).toEqual([]);
    expect(none.skipped).toEqual([{ line: 1, reason: expect.stringMatching(/^bench JSON without per-request usage/) }]);
  });

  it('skips lines that are not JSON or not objects, with their line numbers; tolerates BOM and CRLF', () => {
    const read = readResults('\uFEFF{"model":"gpt-4.1","usage":{"prompt_tokens":1,"completion_tokens":1}}\r\nnot json\r\n[1,2]\r\n{"model":"gpt-4.1"}\r\n');
    expect(read.records).toHaveLength(1);
    expect(read.skipped).toEqual([{ line: 2, reason: 'invalid JSON' }, { line: 3, reason: 'not a JSON object' }, { line: 4, reason: 'no usage' }]);
  });

  it("accepts relay's normalised usage shape too", () => {
    expect(usageFrom({ promptTokens: 10, completionTokens: 5, cachedTokens: 20, estimated: true })).toMatchObject({ promptTokens: 10, cachedTokens: 10, estimated: true });
  });

  it('asks for --model when records do not name one, and uses it when given', () => {
    const read = readResults('{"usage":{"prompt_tokens":1000000,"completion_tokens":0}}\n');
    expect(() => actualSpend(book, read, { source: 'f' })).toThrow(/pass --model NAME/);
    expect(actualSpend(book, read, { source: 'f', model: 'gpt-4.1' }).total.toDecimal()).toBe('2');
  });

  it('names unknown models in the file with suggestions (exit 2)', () => {
    const read = readResults('{"model":"gpt-5-turbo-x","usage":{"prompt_tokens":1,"completion_tokens":1}}\n');
    let err: RelayError | undefined;
    try { actualSpend(book, read, { source: 'f.jsonl' }); } catch (e) { err = e as RelayError; }
    expect(err?.exitCode).toBe(2);
    expect(err?.message).toMatch(/"gpt-5-turbo-x" \(closest known: .*\) in f\.jsonl/);
  });
});
