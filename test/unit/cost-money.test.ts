import { describe, expect, it } from 'vitest';
import { Rational, parseDecimal, fromNumber, int } from '../../src/cost/rational.js';
import { formatUsd, formatPrice, formatTokens, formatPercent, formatCurrency } from '../../src/cost/money.js';

const d = (s: string) => parseDecimal(s)!;

describe('exact arithmetic', () => {
  it('adds tenths exactly where floats do not (0.1 + 0.2 = 0.3)', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(d('0.1').add(d('0.2')).eq(d('0.3'))).toBe(true);
  });

  it('reads JSON numbers at their decimal spelling, exponents included', () => {
    expect(fromNumber(0.028).eq(new Rational(28n, 1000n))).toBe(true);
    expect(fromNumber(2.8e-7).eq(new Rational(28n, 100_000_000n))).toBe(true);
    expect(parseDecimal('1.5E3')!.eq(int(1500))).toBe(true);
    for (const bad of ['', 'abc', '1.2.3', '0x10', 'Infinity', '1e999']) expect(parseDecimal(bad)).toBeUndefined();
  });

  it('keeps amounts beyond 2^53 exact (10B tokens at $180/MTok in pico-dollars)', () => {
    const picoDollars = int(10_000_000_000).mul(int(180_000_000));
    expect(picoDollars.toString()).toBe('1800000000000000000');
  });

  it.each([
    ['11.756', 2, '11.76'],
    ['0.0055649', 4, '0.0056'],
    ['0.125', 2, '0.13'],
    ['-0.125', 2, '-0.13'],
    ['-0.001', 2, '0.00'],
    ['2.5', 0, '3'],
  ])('rounds %s to %i places half away from zero: %s', (v, places, want) => {
    expect(d(v).toFixed(places)).toBe(want);
  });

  it('prints a repeating fraction rounded, a terminating one exactly', () => {
    expect(int(1).div(int(3)).toDecimal(6)).toBe('0.333333');
    expect(d('9.2504').toDecimal()).toBe('9.2504');
  });
});

describe('money display: to the cent, to 4 decimals below $1', () => {
  it.each([
    ['26.94', '$26.94'],
    ['11.756', '$11.76'],
    ['0.0055649', '$0.0056'],
    ['0.7923', '$0.7923'],
    ['0.5', '$0.5000'],
    ['0.99996', '$1.00'],
    ['0.00004', '<$0.0001'],
    ['0', '$0.00'],
    ['1234567.891', '$1,234,567.89'],
    ['-22.74', '-$22.74'],
  ])('%s -> %s', (v, want) => {
    expect(formatUsd(d(v))).toBe(want);
  });

  it('converted amounts carry their currency code and follow the same rule', () => {
    expect(formatCurrency(d('26.94').mul(d('7.3')), 'CNY')).toBe('196.66 CNY');
  });

  it('prices keep their full precision, tokens are grouped, shares are percentages', () => {
    expect(formatPrice(d('0.028'))).toBe('0.028');
    expect(formatPrice(int(8))).toBe('8.00');
    expect(formatPrice(d('18.75'))).toBe('18.75');
    expect(formatTokens(int(10_000_000))).toBe('10,000,000');
    expect(formatPercent(d('0.8'))).toBe('80%');
    expect(formatPercent(int(1).div(int(3)))).toBe('33.33%');
  });
});
