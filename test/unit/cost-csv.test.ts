import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { neutralizeCell, toCsv } from '../../src/cost/csv.js';
import { parseCsv } from '../helpers/cost-csv.js';

const FIX = resolve(import.meta.dirname, '../../fixtures/cost');

describe('CSV against formula injection (shared case R33)', () => {
  const inputs = readFileSync(resolve(FIX, 'R33-csv-formula-injection.results.jsonl'), 'utf8')
    .trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; content: string });
  const expected = parseCsv(readFileSync(resolve(FIX, 'R33-csv-formula-injection.expected.csv'), 'utf8'));

  it('matches the expected file cell for cell after parsing', () => {
    const csv = toCsv(['custom_id', 'content'], inputs.map((r) => [r.custom_id, r.content]));
    expect(parseCsv(csv)).toEqual(expected);
  });

  it('neutralises = + - @ tab and CR at the start only', () => {
    expect(['=1', '+1', '-1', '@x', '\tx', '\rx'].map(neutralizeCell)).toEqual(["'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx"]);
    expect(neutralizeCell('a=b')).toBe('a=b');
    expect(neutralizeCell('The answer is 42.')).toBe('The answer is 42.');
  });

  it('keeps numbers numbers, negative ones included, while a text "-5" is neutralised', () => {
    const rows = parseCsv(toCsv(['name', 'savings_usd'], [['-5', -22.74], ['=cmd', 0.0055649]]));
    expect(rows).toEqual([['name', 'savings_usd'], ["'-5", '-22.74'], ["'=cmd", '0.0055649']]);
  });
});
