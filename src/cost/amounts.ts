import { usageError } from '../core/errors.js';
import { Rational, parseDecimal, ONE, int, sum } from './rational.js';

// Everything a person types on the cost command line, read exactly (no floats) and refused
// with a message that shows an accepted spelling.

const SUFFIX: Record<string, bigint> = { k: 1_000n, m: 1_000_000n, b: 1_000_000_000n, t: 1_000_000_000_000n };
const HUNDRED = int(100);

/** `250k`, `10M`, `1.5B`, `2_000_000`, `12,500`: a positive amount. `whole` refuses fractions. */
export function parseAmount(text: string, flag: string, opts: { whole?: boolean } = {}): Rational {
  const cleaned = text.trim().replace(/[_,](?=\d{3})/g, '');
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*([kmbt])?$/i.exec(cleaned);
  const hint = 'use a number with an optional k, M or B suffix (250k, 10M, 1.5B)';
  if (!m) throw usageError(`${flag} ${JSON.stringify(text)}: not an amount; ${hint}`);
  let value = parseDecimal(m[1]!)!;
  if (m[2]) value = value.mul(new Rational(SUFFIX[m[2].toLowerCase()]!));
  if (value.isZero()) throw usageError(`${flag} ${text}: must be more than 0`);
  if (opts.whole && !value.isInteger()) {
    throw usageError(`${flag} ${text}: is ${value.toDecimal(6)}, not a whole number; ${hint}`);
  }
  return value;
}

/** A share of something: `0.8` or `80%`, between 0 and 1 inclusive. */
export function parseFraction(text: string, flag: string): Rational {
  const t = text.trim();
  const pct = t.endsWith('%');
  const v = parseDecimal(pct ? t.slice(0, -1) : t);
  if (!v) throw usageError(`${flag} ${JSON.stringify(text)}: not a number; use a fraction like 0.8 or a percentage like 80%`);
  const f = pct ? v.div(HUNDRED) : v;
  if (f.sign() < 0 || f.cmp(ONE) > 0) {
    throw usageError(`${flag} ${text}: must be between 0 and 1 (or 0% and 100%)${!pct && v.cmp(ONE) > 0 ? `; did you mean ${v.toDecimal()}%?` : ''}`);
  }
  return f;
}

export interface MixPart {
  model: string;
  /** Percent of the traffic, 0 < share <= 100. */
  share: Rational;
}

/** `deepseek-v3.2=70,gpt-4.1=30`; a lone model name means 100. Shares must add up to exactly 100. */
export function parseMix(text: string): MixPart[] {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (!parts.length) throw usageError('--mix is empty; use --mix deepseek-v3.2=70,gpt-4.1=30');
  const mix: MixPart[] = [];
  for (const p of parts) {
    const eq = p.lastIndexOf('=');
    if (eq < 0 && parts.length === 1) { mix.push({ model: p, share: HUNDRED }); continue; }
    const model = eq < 0 ? '' : p.slice(0, eq).trim();
    const raw = eq < 0 ? '' : p.slice(eq + 1).trim().replace(/%$/, '');
    const share = parseDecimal(raw);
    if (!model || !share) throw usageError(`--mix ${JSON.stringify(p)}: write MODEL=PERCENT, e.g. --mix deepseek-v3.2=70,gpt-4.1=30`);
    if (share.sign() <= 0 || share.cmp(HUNDRED) > 0) throw usageError(`--mix ${p}: a share must be above 0 and at most 100`);
    if (mix.some((x) => x.model === model)) throw usageError(`--mix names ${model} twice; give each model once`);
    mix.push({ model, share });
  }
  const total = sum(mix.map((x) => x.share));
  if (!total.eq(HUNDRED)) {
    const listed = mix.map((x) => `${x.model}=${x.share.toDecimal(6)}`).join(' + ');
    throw usageError(`--mix shares add up to ${total.toDecimal(6)}, not 100 (${listed}); adjust them so they total 100`);
  }
  return mix;
}

export type Period = 'day' | 'month' | 'year';

export function parsePeriod(text: string): Period {
  const t = text.trim().toLowerCase().replace(/ly$/, '').replace(/^dai$/, 'day');
  if (t === 'day' || t === 'month' || t === 'year') return t;
  throw usageError(`--per ${JSON.stringify(text)}: use day, month or year`);
}

/** Days in each period: a month is 30 days and a year 365 (stated wherever it is used). */
export const PERIOD_DAYS: Record<Period, Rational> = { day: ONE, month: int(30), year: int(365) };

const UNIT_SECONDS: Record<string, bigint> = { s: 1n, m: 60n, h: 3600n, d: 86_400n, w: 604_800n };

/** `90m`, `6h`, `1.5d`, `2w`: the span a --from run covers, in days. */
export function parseDuration(text: string, flag: string): Rational {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)$/i.exec(text.trim());
  if (!m) throw usageError(`${flag} ${JSON.stringify(text)}: use a duration like 6h, 1d or 2w`);
  const unit = m[2]!.toLowerCase() === 'min' ? 'm' : m[2]!.toLowerCase();
  const value = parseDecimal(m[1]!)!;
  if (value.isZero()) throw usageError(`${flag} ${text}: must be longer than 0`);
  return value.mul(new Rational(UNIT_SECONDS[unit]!)).div(new Rational(86_400n));
}

/** `30x` or `30`: a positive multiplier. */
export function parseScale(text: string): Rational {
  const v = parseDecimal(text.trim().replace(/x$/i, ''));
  if (!v || v.sign() <= 0) throw usageError(`--scale ${JSON.stringify(text)}: use a positive factor like 30x`);
  return v;
}

/** The exchange rate the user gives; relay never looks one up. */
export function parseFx(text: string): Rational {
  const v = parseDecimal(text.trim());
  if (!v || v.sign() <= 0) throw usageError(`--fx ${JSON.stringify(text)}: use a positive rate, e.g. --fx 7.3 for 1 USD = 7.3 CNY`);
  return v;
}

export function parseCurrency(text: string): string {
  const c = text.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(c)) throw usageError(`--currency ${JSON.stringify(text)}: use a 3-letter code such as CNY, EUR or JPY`);
  if (c === 'USD') throw usageError('--currency USD: prices are already in USD; pick the currency to convert to');
  return c;
}

