import { Rational, ONE } from './rational.js';

// How amounts are shown. Computation stays exact (rational.ts); these functions round once.

const TEN_THOUSANDTH = new Rational(1n, 10_000n);

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function withGrouping(fixed: string): string {
  const neg = fixed.startsWith('-');
  const body = neg ? fixed.slice(1) : fixed;
  const [whole, frac] = body.split('.');
  return (neg ? '-' : '') + group(whole!) + (frac !== undefined ? '.' + frac : '');
}

/**
 * Money to the cent; below $1, to 4 decimals, so a per-request cost of $0.0055649 reads $0.0056
 * instead of $0.01. A non-zero amount under $0.0001 reads `<$0.0001`, never `$0.0000`.
 */
export function formatAmount(value: Rational): string {
  const a = value.abs();
  if (a.isZero()) return '0.00';
  if (a.cmp(TEN_THOUSANDTH.mul(new Rational(1n, 2n))) < 0) return (value.sign() < 0 ? '>-' : '<') + '0.0001';
  const small = value.toFixed(4);
  if (a.cmp(ONE) < 0 && !/^-?1\.0000$/.test(small)) return small;
  return withGrouping(value.toFixed(2));
}

export function formatUsd(value: Rational): string {
  const s = formatAmount(value);
  if (s.startsWith('<') || s.startsWith('>')) return s.slice(0, s.length - 6) + '$' + s.slice(-6);
  return s.startsWith('-') ? '-$' + s.slice(1) : '$' + s;
}

export function formatCurrency(value: Rational, code: string): string {
  return `${formatAmount(value)} ${code}`;
}

/** A price per million tokens as written in a price list: at least 2 decimals, never rounded. */
export function formatPrice(value: Rational): string {
  const exact = value.toDecimal(9);
  const [whole, frac = ''] = exact.split('.');
  return group(whole!) + '.' + frac.padEnd(2, '0');
}

/** Token counts are whole in every real input; shares can make a projection fractional, shown rounded. */
export function formatTokens(value: Rational): string {
  return withGrouping(value.toFixed(0));
}

/** A share (0..1) as a percentage with up to 2 decimals: 0.8 -> 80%, 1/3 -> 33.33%. */
export function formatPercent(fraction: Rational): string {
  return fraction.mul(new Rational(100n)).toDecimal(2) + '%';
}

/** Exact dollars for JSON: a number, exact to the nano-dollar (more digits only appear with odd shares). */
export function usdNumber(value: Rational): number {
  return Number(value.toDecimal(9));
}
