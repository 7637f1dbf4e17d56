import { describe, expect, it } from 'vitest';
import { parseAmount, parseFraction, parseMix, parseDuration, parsePeriod, parseScale, parseFx, parseCurrency } from '../../src/cost/amounts.js';
import { RelayError } from '../../src/core/errors.js';
import { parseDecimal } from '../../src/cost/rational.js';

function usageFailure(fn: () => unknown): RelayError {
  try { fn(); } catch (e) {
    expect(e).toBeInstanceOf(RelayError);
    expect((e as RelayError).exitCode).toBe(2);
    return e as RelayError;
  }
  throw new Error('expected a usage error');
}

describe('token amounts', () => {
  it.each([
    ['250k', '250000'],
    ['10M', '10000000'],
    ['10m', '10000000'],
    ['1.5B', '1500000000'],
    ['2_000_000', '2000000'],
    ['12,500', '12500'],
    ['500', '500'],
    ['0.5k', '500'],
  ])('%s = %s', (text, want) => {
    expect(parseAmount(text, '--tokens', { whole: true }).toString()).toBe(want);
  });

  it.each(['ten', '10X', '-5', '', '1e6', '10 M tokens'])('refuses %j with the accepted spellings', (text) => {
    expect(usageFailure(() => parseAmount(text, '--tokens')).message).toMatch(/250k, 10M, 1\.5B/);
  });

  it('refuses zero and fractional token counts, allows fractional per-request averages', () => {
    expect(usageFailure(() => parseAmount('0', '--tokens')).message).toMatch(/more than 0/);
    expect(usageFailure(() => parseAmount('1.2345k', '--tokens', { whole: true })).message).toMatch(/1234\.5, not a whole number/);
    expect(parseAmount('512.5', '--in').toDecimal()).toBe('512.5');
  });
});

describe('shares and the mix', () => {
  it('takes fractions and percentages, and catches 80 meant as 80%', () => {
    expect(parseFraction('0.8', '--input-share').toDecimal()).toBe('0.8');
    expect(parseFraction('80%', '--input-share').toDecimal()).toBe('0.8');
    expect(parseFraction('0', '--input-share').isZero()).toBe(true);
    expect(usageFailure(() => parseFraction('80', '--input-share')).message).toMatch(/did you mean 80%/);
    expect(usageFailure(() => parseFraction('-0.1', '--cache-hit')).message).toMatch(/between 0 and 1/);
  });

  it('reads MODEL=PERCENT lists exactly', () => {
    const mix = parseMix('deepseek-v3.2=70, gpt-4.1=30%');
    expect(mix.map((m) => [m.model, m.share.toDecimal()])).toEqual([['deepseek-v3.2', '70'], ['gpt-4.1', '30']]);
    expect(parseMix('gpt-4.1')).toHaveLength(1);
    expect(parseMix('a=33.3,b=33.3,c=33.4').map((m) => m.share.toDecimal())).toEqual(['33.3', '33.3', '33.4']);
  });

  it('says what the shares add up to when it is not 100', () => {
    const e = usageFailure(() => parseMix('deepseek-v3.2=70,gpt-4.1=20'));
    expect(e.message).toContain('add up to 90, not 100');
    expect(e.message).toContain('deepseek-v3.2=70 + gpt-4.1=20');
    expect(usageFailure(() => parseMix('a=60,b=60')).message).toContain('add up to 120');
    // Floats would call 0.1 + 0.2 + 99.7 something other than 100; exact sums do not.
    expect(parseMix('a=0.1,b=0.2,c=99.7')).toHaveLength(3);
  });

  it('refuses malformed parts and repeated models', () => {
    expect(usageFailure(() => parseMix('a=70,b')).message).toMatch(/MODEL=PERCENT/);
    expect(usageFailure(() => parseMix('a=50,a=50')).message).toMatch(/twice/);
    expect(usageFailure(() => parseMix('a=0,b=100')).message).toMatch(/above 0/);
  });
});

describe('periods, durations, scale, exchange rate', () => {
  it('reads periods and durations', () => {
    expect(parsePeriod('day')).toBe('day');
    expect(parsePeriod('Monthly')).toBe('month');
    expect(usageFailure(() => parsePeriod('week')).message).toMatch(/day, month or year/);
    expect(parseDuration('6h', '--covers').eq(parseDecimal('0.25')!)).toBe(true);
    expect(parseDuration('2w', '--covers').toDecimal()).toBe('14');
    expect(parseDuration('90m', '--covers').toDecimal()).toBe('0.0625');
    expect(usageFailure(() => parseDuration('tomorrow', '--covers')).message).toMatch(/6h, 1d or 2w/);
  });

  it('reads a scale factor, a rate and a currency code', () => {
    expect(parseScale('30x').toDecimal()).toBe('30');
    expect(parseFx('7.3').toDecimal()).toBe('7.3');
    expect(parseCurrency('cny')).toBe('CNY');
    expect(usageFailure(() => parseFx('0')).message).toMatch(/positive rate/);
    expect(usageFailure(() => parseCurrency('yuan')).message).toMatch(/3-letter/);
    expect(usageFailure(() => parseCurrency('USD')).message).toMatch(/already in USD/);
  });
});
