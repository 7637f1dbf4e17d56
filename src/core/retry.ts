import { anthropicExhaustedWaitMs, headerGetter, parseGoDuration, referenceTime } from './ratelimit-headers.js';
import type { ServerError } from './types.js';

// The retry policy (DESIGN 4), pure: every number lives in RetryPolicy, every rule in decideRetry.
// The client sleeps and re-sends; this file only decides.

export interface RetryPolicy {
  /** Retries after the first attempt (batch uses 5). */
  retries: number;
  /** Longest server-requested wait relay accepts; beyond it the request fails at once, naming the wait. */
  maxWaitMs: number;
  /** Full-jitter backoff: random() × min(maxBackoffMs, baseDelayMs × 2^retriesDone). */
  baseDelayMs: number;
  maxBackoffMs: number;
  /** Retry a connection lost after the request was sent (it may have been billed, R23). */
  retryUnknownOutcome: boolean;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  retries: 2,
  maxWaitMs: 120_000,
  baseDelayMs: 500,
  maxBackoffMs: 8_000,
  retryUnknownOutcome: false,
});

export type Failure =
  | { kind: 'http'; status: number; headers: Record<string, string>; body?: unknown } // header names lower-case
  | { kind: 'connect'; code: string } // nothing reached the server: safe to retry
  // Lost after the request was sent: outcome unknown (R23). `unheard`: on a new connection to a
  // server that has never answered (see ExchangeEvents.onError).
  | { kind: 'disconnect'; code: string; unheard?: boolean }
  | { kind: 'timeout'; phase: 'headers' | 'idle' | 'total' }
  | { kind: 'truncated' } // ended without [DONE] and without finish_reason (R08)
  | { kind: 'stream_error'; error: ServerError };

export interface RetryContext {
  retriesDone: number;
  deliveredToUser: boolean;
}

export type RetryDecision =
  | { retry: true; delayMs: number; reason: string }
  | { retry: false; reason: string; serverWaitMs?: number };

const STATUS_TEXT: Record<number, string> = {
  400: 'bad request', 401: 'unauthorized', 402: 'payment required', 403: 'forbidden', 404: 'not found',
  408: 'request timeout', 409: 'conflict', 413: 'request too large', 422: 'unprocessable request',
  429: 'rate limited', 500: 'server error', 502: 'bad gateway', 503: 'service unavailable', 504: 'gateway timeout',
  529: 'overloaded',
};

const NEVER_RETRY = new Set([400, 401, 403, 404, 422]);

const CONNECT_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'connection reset',
  CONNECT_TIMEOUT: 'connect timeout',
};

/**
 * A TLS certificate the client refused (untrusted CA, expired, wrong name): the same on every
 * attempt, so never retried on the same endpoint. Node's codes, e.g. DEPTH_ZERO_SELF_SIGNED_CERT,
 * CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID, UNABLE_TO_VERIFY_LEAF_SIGNATURE.
 */
export function isCertificateCode(code: string): boolean {
  return code.includes('CERT') || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE';
}

/** TLS failures the same endpoint gives on every try: its certificate, or TLS spoken to a plain-HTTP port. */
export function refusesAgain(code: string): boolean {
  return isCertificateCode(code) || code === 'EPROTO';
}

const TIMEOUT_TEXT = { headers: 'no response headers in time', idle: 'stream went idle', total: 'request timed out' };

function describe(f: Failure): string {
  switch (f.kind) {
    case 'http': {
      const text = STATUS_TEXT[f.status] ?? (f.status >= 500 ? 'server error' : 'error');
      return f.status === 429 && isQuotaExhausted(f.body) ? '429 quota exhausted' : `${f.status} ${text}`;
    }
    case 'connect':
      if (isCertificateCode(f.code)) return `TLS certificate not accepted (${f.code})`;
      return CONNECT_TEXT[f.code] ?? `cannot connect (${f.code})`;
    case 'disconnect':
      return 'connection lost after the request was sent (may have been billed)';
    case 'timeout':
      return TIMEOUT_TEXT[f.phase];
    case 'truncated':
      return 'stream ended early';
    case 'stream_error':
      return `error in stream: ${f.error.code ?? f.error.type ?? 'server error'}`;
  }
}

function isRetryableStreamError(e: ServerError): boolean {
  const kinds = [e.type, e.code].map((v) => (v ?? '').toLowerCase());
  if (kinds.some((k) => k === 'model_not_found' || k === 'invalid_request_error' || k.includes('quota'))) return false;
  return kinds.some((k) => {
    const n = Number(k);
    if (k !== '' && Number.isInteger(n)) return n >= 500 || n === 429 || n === 408;
    return k === 'server_error' || k === 'api_error' || k === 'internal_error' || k === 'overloaded_error'
      || k === 'service_unavailable' || k === 'unavailable' || k === 'rate_limit_exceeded' || k === 'rate_limit_error';
  });
}

/** Whether the failure kind/status may be retried at all (before counting and delays). */
export function retryable(f: Failure, policy: RetryPolicy): boolean {
  switch (f.kind) {
    case 'http': {
      if (NEVER_RETRY.has(f.status)) return false; // absolute, even with x-should-retry: true
      if (f.status === 429 && isQuotaExhausted(f.body)) return false;
      const should = (headerGetter(f.headers)('x-should-retry') ?? '').trim().toLowerCase();
      if (should === 'true') return true;
      if (should === 'false') return false;
      return f.status === 408 || f.status === 409 || f.status === 429 || f.status >= 500;
    }
    case 'connect':
    case 'timeout':
    case 'truncated':
      return true;
    case 'disconnect':
      return policy.retryUnknownOutcome;
    case 'stream_error':
      return isRetryableStreamError(f.error);
  }
}

/** OpenAI puts the hint only in the text of some 429s: "Please try again in 6ms." / Gemini: "Please retry in 38.4s." */
function bodyWaitMs(body: unknown): number | undefined {
  const msg = errorMessage(body);
  if (!msg) return undefined;
  const m = /(?:try again|retry) in ([0-9][0-9.]*(?:[a-zµμ]+[0-9.]*)*)/i.exec(msg);
  if (!m) return undefined;
  let s = m[1]!;
  while (s.endsWith('.')) s = s.slice(0, -1);
  const ms = parseGoDuration(s);
  return ms === undefined ? undefined : Math.ceil(ms);
}

export function decideRetry(
  f: Failure,
  ctx: RetryContext,
  policy: RetryPolicy = DEFAULT_RETRY,
  random: () => number = Math.random,
  now: number = Date.now(),
): RetryDecision {
  const what = describe(f);
  if (ctx.deliveredToUser) return { retry: false, reason: `${what}; not retried: part of the reply was already shown` };
  if (!retryable(f, policy)) return { retry: false, reason: what };
  // Still retryable() (a router fails over to another endpoint), but this endpoint would refuse again.
  if (f.kind === 'connect' && refusesAgain(f.code)) return { retry: false, reason: what };
  if (ctx.retriesDone >= policy.retries) {
    const n = policy.retries;
    return { retry: false, reason: n === 0 ? what : `${what}; gave up after ${n} ${n === 1 ? 'retry' : 'retries'}` };
  }
  // Header hints are exact; a hint found only in the message text ("try again in 6ms") is a floor
  // under the usual backoff. Either way relay never comes back earlier than asked (R18).
  let floor = 0;
  if (f.kind === 'http') {
    const exact = serverWaitMs(f.headers, now) ?? (f.status === 429 ? anthropicExhaustedWaitMs(f.headers, now) : undefined);
    const wait = exact ?? bodyWaitMs(f.body);
    if (wait !== undefined && wait > policy.maxWaitMs) {
      return { retry: false, reason: `${what}; server asked to wait ${formatSeconds(wait)}`, serverWaitMs: wait };
    }
    if (exact !== undefined) return { retry: true, delayMs: exact, reason: what };
    floor = wait ?? 0;
  }
  const ceiling = Math.min(policy.maxBackoffMs, policy.baseDelayMs * 2 ** ctx.retriesDone);
  const r = random();
  const jitter = r >= 0 && r < 1 ? r : 0.5;
  return { retry: true, delayMs: Math.max(floor, Math.floor(jitter * ceiling)), reason: what };
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : Math.ceil(s)} s`;
}

function nonNegative(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * The wait the server asked for, in ms: retry-after-ms > x-ms-retry-after-ms > retry-after (seconds or an
 * HTTP date). Names are case-insensitive; an unparseable value falls through to the next header (R18, R19).
 * An HTTP date is measured against the response's Date header when present (see referenceTime).
 */
export function serverWaitMs(headers: Record<string, string>, now: number = Date.now()): number | undefined {
  const get = headerGetter(headers);
  const ms = nonNegative(get('retry-after-ms')) ?? nonNegative(get('x-ms-retry-after-ms'));
  if (ms !== undefined) return Math.ceil(ms);
  const ra = get('retry-after');
  if (ra === undefined) return undefined;
  const seconds = nonNegative(ra);
  if (seconds !== undefined) return Math.ceil(seconds * 1000);
  const at = Date.parse(ra.trim());
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, at - referenceTime(get, now));
}

function errorMessage(body: unknown): string {
  if (typeof body === 'string') return body;
  if (Array.isArray(body)) return errorMessage(body[0]);
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  const e = b.error;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object') {
    const m = (e as Record<string, unknown>).message;
    return typeof m === 'string' ? m : '';
  }
  return typeof b.message === 'string' ? b.message : '';
}

const QUOTA_CODES = new Set(['insufficient_quota', 'billing_hard_limit_reached', 'billing_not_active', 'quota_exceeded', 'insufficient_credits']);

/**
 * A 429 that no wait will fix: the account is out of quota or credit (OpenAI `insufficient_quota`,
 * "check your plan and billing details"). A message that also names a retry time (Gemini's per-minute
 * "You exceeded your current quota … Please retry in 38s") is a rate limit, not exhaustion.
 */
export function isQuotaExhausted(body: unknown): boolean {
  if (Array.isArray(body)) body = body[0];
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const e = (b.error && typeof b.error === 'object' ? b.error : b) as Record<string, unknown>;
    for (const v of [e.code, e.type]) if (typeof v === 'string' && QUOTA_CODES.has(v.toLowerCase())) return true;
  }
  const msg = errorMessage(body).toLowerCase();
  if (msg === '' || /(?:try again|retry) in \d/.test(msg)) return false;
  return /exceeded your current quota|insufficient[_ ]quota|quota (?:has been )?exhausted|billing|credit balance|out of credits|insufficient credits/.test(msg);
}

// Node runs a timer longer than 2^31-1 ms at once (with a warning); a very long wait must stay long.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves after ms; rejects at once with signal.reason when the signal aborts (Ctrl-C during a backoff, R22). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
