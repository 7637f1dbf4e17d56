// Exact arithmetic for money: every amount is a fraction of two BigInts, so shares, prices and
// token counts multiply without a single rounding step. Rounding happens once, when printing.

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export class Rational {
  /** Always in lowest terms, denominator > 0. */
  readonly n: bigint;
  readonly d: bigint;

  constructor(n: bigint, d: bigint = 1n) {
    if (d === 0n) throw new RangeError('division by zero');
    if (d < 0n) { n = -n; d = -d; }
    const g = gcd(n, d) || 1n;
    this.n = n / g;
    this.d = d / g;
  }

  add(o: Rational): Rational { return new Rational(this.n * o.d + o.n * this.d, this.d * o.d); }
  sub(o: Rational): Rational { return new Rational(this.n * o.d - o.n * this.d, this.d * o.d); }
  mul(o: Rational): Rational { return new Rational(this.n * o.n, this.d * o.d); }
  div(o: Rational): Rational { return new Rational(this.n * o.d, this.d * o.n); }
  neg(): Rational { return new Rational(-this.n, this.d); }
  cmp(o: Rational): number {
    const l = this.n * o.d;
    const r = o.n * this.d;
    return l < r ? -1 : l > r ? 1 : 0;
  }
  eq(o: Rational): boolean { return this.n === o.n && this.d === o.d; }
  isZero(): boolean { return this.n === 0n; }
  sign(): number { return this.n < 0n ? -1 : this.n > 0n ? 1 : 0; }
  abs(): Rational { return this.n < 0n ? this.neg() : this; }
  isInteger(): boolean { return this.d === 1n; }

  /** Rounded to `places` decimals, half away from zero (how invoices round). */
  toFixed(places: number): string {
    const scale = 10n ** BigInt(places);
    const neg = this.n < 0n;
    const num = (neg ? -this.n : this.n) * scale;
    let q = num / this.d;
    if ((num % this.d) * 2n >= this.d) q += 1n;
    const digits = q.toString().padStart(places + 1, '0');
    const whole = places ? digits.slice(0, -places) : digits;
    const frac = places ? '.' + digits.slice(-places) : '';
    return (neg && q !== 0n ? '-' : '') + whole + frac;
  }

  /** The exact decimal when it has at most `maxPlaces` digits, else rounded to `maxPlaces`; no trailing zeros. */
  toDecimal(maxPlaces = 12): string {
    const s = this.toFixed(maxPlaces);
    return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  }

  /** True when the value has a finite decimal expansion of at most `places` digits. */
  fitsDecimals(places: number): boolean {
    return (this.n * 10n ** BigInt(places)) % this.d === 0n;
  }

  toNumber(): number { return Number(this.toDecimal(15)); }
  toString(): string { return this.d === 1n ? this.n.toString() : `${this.n}/${this.d}`; }
}

export const ZERO = new Rational(0n);
export const ONE = new Rational(1n);
export const MILLION = new Rational(1_000_000n);

export function int(n: number | bigint): Rational {
  return new Rational(BigInt(n));
}

/**
 * Parses a decimal written by a person or by JSON.stringify: `0.028`, `-3`, `1.5e-7`, `2E3`.
 * Returns undefined for anything else (no hex, no Infinity, no blanks).
 */
export function parseDecimal(text: string): Rational | undefined {
  const m = /^([+-]?)(\d+)?(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m || (m[2] === undefined && m[3] === undefined)) return undefined;
  const frac = m[3] ?? '';
  let n = BigInt((m[2] ?? '0') + frac);
  let d = 10n ** BigInt(frac.length);
  const exp = m[4] ? Number(m[4]) : 0;
  if (Math.abs(exp) > 30) return undefined;
  if (exp > 0) n *= 10n ** BigInt(exp);
  if (exp < 0) d *= 10n ** BigInt(-exp);
  return new Rational(m[1] === '-' ? -n : n, d);
}

/** A JSON number taken at its shortest decimal spelling (0.1 is one tenth, not the binary double). */
export function fromNumber(x: number): Rational {
  if (!Number.isFinite(x)) throw new RangeError(`not a finite number: ${x}`);
  const r = parseDecimal(String(x));
  if (!r) throw new RangeError(`cannot read number ${x}`);
  return r;
}

export function sum(xs: Rational[]): Rational {
  return xs.reduce((a, b) => a.add(b), ZERO);
}
