// Number formatting shared by verdicts, tables, CSV and HTML: few digits, units always shown.

/** 173 -> "173", 12.34 -> "12.3", 1.234 -> "1.23", 0.0123 -> "0.012". */
export function num(v: number): string {
  const a = Math.abs(v);
  if (a >= 100) return String(Math.round(v));
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return '0';
  return v.toFixed(3);
}

export function ms(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  if (Math.abs(v) >= 10_000) return `${(v / 1000).toFixed(Math.abs(v) >= 100_000 ? 0 : 1)} s`;
  return `${num(v)} ms`;
}

export function pct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return `${v.toFixed(digits)}%`;
}

export function signedPct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  return `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(1)}%`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Milliseconds with 3 decimals for machine-readable files (µs resolution, no float noise). */
export function fixed3(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '' : String(Math.round(v * 1000) / 1000);
}
