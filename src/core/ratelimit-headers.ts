import type { RateLimitSnapshot } from './types.js';

// Rate-limit headers, read on every response (DESIGN 4).
// OpenAI: x-ratelimit-{limit,remaining,reset}-{requests,tokens}; resets are Go durations ("6m0s").
// Anthropic: anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}; resets are RFC 3339 times.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3, // U+00B5 micro sign, as Go prints it
  'μs': 1e-3, // U+03BC Greek mu, also accepted by Go
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * A Go duration (`time.Duration.String()`: "1s", "6m0s", "12ms", "1h2m3.5s", "0s", "500us", "1.5µs")
 * in milliseconds. Lenient where real servers are: surrounding spaces are ignored, a bare number
 * ("20", "0.5") is read as seconds, and a leading "+" is allowed. Negative or malformed values → undefined.
 */
export function parseGoDuration(s: string): number | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  let i = t.charCodeAt(0) === 43 ? 1 : 0; // '+'
  if (i >= t.length) return undefined;
  let total = 0;
  let sawUnit = false;
  while (i < t.length) {
    const numStart = i;
    let digits = 0;
    while (i < t.length && isDigit(t.charCodeAt(i))) { i++; digits++; }
    if (i < t.length && t.charCodeAt(i) === 46) { // '.'
      i++;
      while (i < t.length && isDigit(t.charCodeAt(i))) { i++; digits++; }
    }
    if (digits === 0) return undefined;
    const value = Number(t.slice(numStart, i));
    const unitStart = i;
    while (i < t.length && !isDigit(t.charCodeAt(i)) && t.charCodeAt(i) !== 46) i++;
    const unit = t.slice(unitStart, i);
    if (unit === '') {
      // Only a whole value without any unit is allowed: "0" (Go) or "20" (seconds, lenient).
      if (sawUnit || i < t.length || !Number.isFinite(value)) return undefined;
      return value * 1000;
    }
    const scale = UNIT_MS[unit];
    if (scale === undefined || !Number.isFinite(value)) return undefined;
    total += value * scale;
    sawUnit = true;
  }
  return total;
}

/** Header lookup that tolerates mixed-case names (callers usually pass lower-case ones). */
export function headerGetter(headers: Record<string, string>): (name: string) => string | undefined {
  let lower: Record<string, string> | undefined;
  for (const k in headers) {
    if (k !== k.toLowerCase()) {
      lower = {};
      for (const [key, v] of Object.entries(headers)) lower[key.toLowerCase()] = v;
      break;
    }
  }
  const h = lower ?? headers;
  return (name) => {
    const v = h[name];
    return typeof v === 'string' ? v : undefined;
  };
}

/**
 * The instant absolute times are measured from. The response's own Date header is preferred when
 * present: a reset time minus the server's clock is right even when the local clock is off, so a
 * skewed clock can never make relay come back earlier than the server asked.
 */
export function referenceTime(get: (name: string) => string | undefined, now: number): number {
  const date = get('date');
  if (date !== undefined) {
    const t = Date.parse(date);
    if (Number.isFinite(t)) return t;
  }
  return now;
}

function count(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v.trim());
  return v.trim() !== '' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** Milliseconds until an RFC 3339 instant (never negative). */
function untilMs(v: string | undefined, ref: number): number | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v.trim());
  return Number.isFinite(t) ? Math.max(0, t - ref) : undefined;
}

/** A reset value: a Go duration, or (some relays) an absolute time. */
function resetMs(v: string | undefined, ref: number): number | undefined {
  if (v === undefined) return undefined;
  return parseGoDuration(v) ?? untilMs(v, ref);
}

function put(snap: RateLimitSnapshot, key: keyof Omit<RateLimitSnapshot, 'source'>, v: number | undefined): boolean {
  if (v === undefined) return false;
  snap[key] = v;
  return true;
}

export function parseRateLimitHeaders(headers: Record<string, string>, now: number = Date.now()): RateLimitSnapshot {
  const get = headerGetter(headers);
  const snap: RateLimitSnapshot = { source: 'none' };
  const ref = referenceTime(get, now);
  let openai = false;
  openai = put(snap, 'limitRequests', count(get('x-ratelimit-limit-requests'))) || openai;
  openai = put(snap, 'remainingRequests', count(get('x-ratelimit-remaining-requests'))) || openai;
  openai = put(snap, 'resetRequestsMs', resetMs(get('x-ratelimit-reset-requests'), ref)) || openai;
  openai = put(snap, 'limitTokens', count(get('x-ratelimit-limit-tokens'))) || openai;
  openai = put(snap, 'remainingTokens', count(get('x-ratelimit-remaining-tokens'))) || openai;
  openai = put(snap, 'resetTokensMs', resetMs(get('x-ratelimit-reset-tokens'), ref)) || openai;
  if (openai) {
    snap.source = 'openai';
    return snap;
  }
  let anthropic = false;
  const a = (what: string, field: string) => get(`anthropic-ratelimit-${what}-${field}`);
  anthropic = put(snap, 'limitRequests', count(a('requests', 'limit'))) || anthropic;
  anthropic = put(snap, 'remainingRequests', count(a('requests', 'remaining'))) || anthropic;
  anthropic = put(snap, 'resetRequestsMs', untilMs(a('requests', 'reset'), ref)) || anthropic;
  // Newer Anthropic responses split tokens into input/output; the combined bucket wins when present.
  const tokens = a('tokens', 'limit') !== undefined || a('tokens', 'remaining') !== undefined ? 'tokens' : 'input-tokens';
  anthropic = put(snap, 'limitTokens', count(a(tokens, 'limit'))) || anthropic;
  anthropic = put(snap, 'remainingTokens', count(a(tokens, 'remaining'))) || anthropic;
  anthropic = put(snap, 'resetTokensMs', untilMs(a(tokens, 'reset'), ref)) || anthropic;
  if (anthropic) snap.source = 'anthropic';
  return snap;
}

/**
 * For a 429 without retry-after (wire/anthropic-error.429.headers-as-reported.json): the time until the
 * latest reset among the Anthropic buckets whose `remaining` is 0. Undefined when none is exhausted.
 */
export function anthropicExhaustedWaitMs(headers: Record<string, string>, now: number = Date.now()): number | undefined {
  const get = headerGetter(headers);
  const ref = referenceTime(get, now);
  let wait: number | undefined;
  for (const bucket of ['requests', 'tokens', 'input-tokens', 'output-tokens']) {
    if (count(get(`anthropic-ratelimit-${bucket}-remaining`)) !== 0) continue;
    const ms = untilMs(get(`anthropic-ratelimit-${bucket}-reset`), ref);
    if (ms !== undefined && (wait === undefined || ms > wait)) wait = ms;
  }
  return wait;
}
