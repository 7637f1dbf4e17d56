import { usageError } from '../core/errors.js';

// Durations on the command line: `40ms`, `1.5s`, `2m`, `1m30s`, `250us`, `1h`; a plain number is
// milliseconds. Results are milliseconds (fractions kept, so `250us` is 0.25).

const UNIT_MS: Record<string, number> = { us: 0.001, 'µs': 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(us|µs|ms|s|m|h)/y;

export function parseDuration(text: string, what = 'duration'): number {
  const s = String(text).trim();
  if (/^(\d+(\.\d+)?|\.\d+)$/.test(s)) return Number(s);
  let total = 0;
  let at = 0;
  PART.lastIndex = 0;
  while (at < s.length) {
    PART.lastIndex = at;
    const m = PART.exec(s);
    if (!m) break;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    at = PART.lastIndex;
  }
  if (s.length === 0 || at !== s.length) {
    throw usageError(`invalid ${what} '${text}': use a number of milliseconds or a value like 40ms, 1.5s, 2m, 1m30s`);
  }
  return total;
}

/**
 * Go's time.Duration formatting, as OpenAI's `x-ratelimit-reset-*` headers use it: `12ms`, `1s`,
 * `1.5s`, `6m0s`, `1h2m3.5s`. Sub-second values are whole milliseconds (rounded up, never `0ms`
 * for a wait that is still running).
 */
export function formatGoDuration(ms: number): string {
  if (!(ms > 0)) return '0s';
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const totalMs = Math.ceil(ms);
  const h = Math.floor(totalMs / 3_600_000);
  const m = Math.floor((totalMs % 3_600_000) / 60_000);
  const secMs = totalMs % 60_000;
  const sec = secMs % 1000 === 0 ? String(secMs / 1000) : (secMs / 1000).toFixed(3).replace(/0+$/, '');
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}
