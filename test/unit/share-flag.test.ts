import { describe, expect, it } from 'vitest';
import { parseShare, shareText } from '../../src/commands/share-flag.js';

// --max-error-rate reads the same in batch and bench: a fraction or a percentage.

describe('--max-error-rate values', () => {
  it.each([
    ['0', 0], ['0.05', 0.05], ['1', 1], ['5%', 0.05], ['0.5%', 0.005], ['100%', 1], [' 12.5 % ', 0.125],
  ])('"%s" is a share of %f', (text, share) => {
    expect(parseShare(text)).toBeCloseTo(share, 12);
  });

  it('every percentage with one decimal is exactly the fraction it names (0.7% is 0.007, not 0.006999...)', () => {
    for (let i = 0; i <= 1000; i++) expect(parseShare(`${(i / 10).toFixed(1)}%`)).toBe(Number((i / 1000).toFixed(3)));
  });

  it.each(['5', '-0.1', '101%', '%', '', 'abc', '1e3', 'NaN', '0x1', '0b1', '1e2%', 'Infinity'])('"%s" is refused (5 alone would be 500%%)', (text) => {
    expect(parseShare(text)).toBeUndefined();
  });

  it('prints a share as a percentage', () => {
    expect([shareText(0), shareText(0.05), shareText(0.125), shareText(1)]).toEqual(['0%', '5%', '12.5%', '100%']);
  });
});
