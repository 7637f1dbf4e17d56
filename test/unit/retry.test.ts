import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, decideRetry, isQuotaExhausted, serverWaitMs, sleep, type Failure, type RetryPolicy } from '../../src/core/retry.js';

const FIX = new URL('../../fixtures/retry/', import.meta.url);
const NOW = Date.parse('2025-06-01T12:00:00Z');
const fresh = { retriesDone: 0, deliveredToUser: false };
const http = (status: number, headers: Record<string, string> = {}, body?: unknown): Failure => ({ kind: 'http', status, headers, body });
const decide = (f: Failure, ctx = fresh, policy: RetryPolicy = DEFAULT_RETRY, r = 0.5) => decideRetry(f, ctx, policy, () => r, NOW);

describe('R18: retry-after in seconds (fixtures/retry/R18-retry-after-seconds.cases.json)', () => {
  const spec = JSON.parse(readFileSync(new URL('R18-retry-after-seconds.cases.json', FIX), 'utf8')) as {
    assume: { relay_max_retry_wait_s: number; max_retries: number };
    cases: Array<{ headers: Record<string, string>; expected: string }>;
  };
  const policy = { ...DEFAULT_RETRY, maxWaitMs: spec.assume.relay_max_retry_wait_s * 1000, retries: spec.assume.max_retries };
  const want: Record<string, { retry: boolean; delayMs?: number; serverWaitMs?: number }> = {
    '33': { retry: true, delayMs: 33_000 },
    '0': { retry: true, delayMs: 0 },
    '60': { retry: true, delayMs: 60_000 },
    '600': { retry: false, serverWaitMs: 600_000 },
    '86400': { retry: false, serverWaitMs: 86_400_000 },
  };
  for (const c of spec.cases) {
    const ra = c.headers['retry-after'];
    it(`retry-after ${ra ?? 'absent'}: ${c.expected}`, () => {
      const d = decide(http(429, c.headers), fresh, policy, 0.999);
      if (ra === undefined) {
        // Full jitter on 0.5 s × 2^0: below 500 ms, and random() decides where.
        expect(d).toMatchObject({ retry: true, delayMs: 499 });
        expect(decide(http(429, c.headers), fresh, policy, 0)).toMatchObject({ retry: true, delayMs: 0 });
        return;
      }
      expect(d).toMatchObject(want[ra]!);
      if (!d.retry) expect(d.reason).toContain(`server asked to wait ${ra} s`);
    });
  }

  it('never earlier than asked: the delay equals the hint whatever random() says', () => {
    for (const r of [0, 0.3, 0.999]) expect(decide(http(429, { 'retry-after': '33' }), fresh, policy, r)).toMatchObject({ delayMs: 33_000 });
  });

  it('the cap is inclusive: exactly maxWaitMs is waited, one ms more is refused', () => {
    const p = { ...DEFAULT_RETRY, maxWaitMs: 10_000 };
    expect(decide(http(429, { 'retry-after-ms': '10000' }), fresh, p)).toMatchObject({ retry: true, delayMs: 10_000 });
    expect(decide(http(429, { 'retry-after-ms': '10001' }), fresh, p)).toMatchObject({ retry: false, serverWaitMs: 10_001 });
  });
});

describe('R19: retry-after-ms precedence (fixtures/retry/R19-retry-after-ms.cases.json)', () => {
  const spec = JSON.parse(readFileSync(new URL('R19-retry-after-ms.cases.json', FIX), 'utf8')) as {
    cases: Array<{ headers: Record<string, string>; expected_wait_ms: number }>;
  };
  for (const c of spec.cases) {
    it(`${JSON.stringify(c.headers)} → ${c.expected_wait_ms} ms`, () => {
      expect(serverWaitMs(c.headers, NOW)).toBe(c.expected_wait_ms);
      expect(decide(http(429, c.headers))).toMatchObject({ retry: true, delayMs: c.expected_wait_ms });
    });
  }

  const more: Array<[Record<string, string>, number | undefined]> = [
    [{ 'x-ms-retry-after-ms': '250', 'retry-after': '9' }, 250],
    [{ 'retry-after-ms': '-5', 'x-ms-retry-after-ms': 'x', 'retry-after': '3' }, 3000],
    [{ 'retry-after': '1.5' }, 1500],
    [{ 'retry-after': 'soon' }, undefined],
    [{ 'retry-after': '' }, undefined],
    [{ 'retry-after': new Date(NOW + 30_000).toUTCString() }, 30_000],
    [{ 'retry-after': new Date(NOW - 30_000).toUTCString() }, 0],
    // Absolute times are measured against the response's Date header when there is one.
    [{ 'retry-after': 'Sun, 01 Jun 2031 12:00:05 GMT', date: 'Sun, 01 Jun 2031 12:00:00 GMT' }, 5000],
    [{}, undefined],
  ];
  for (const [headers, ms] of more) {
    it(`serverWaitMs ${JSON.stringify(headers)} → ${ms}`, () => expect(serverWaitMs(headers, NOW)).toBe(ms));
  }
});

describe('which failures are retried', () => {
  const statuses: Array<[number, boolean]> = [
    [408, true], [409, true], [429, true], [500, true], [502, true], [503, true], [504, true], [529, true],
    [400, false], [401, false], [402, false], [403, false], [404, false], [413, false], [422, false],
  ];
  for (const [status, retry] of statuses) {
    it(`HTTP ${status} → ${retry ? 'retry' : 'no retry'}`, () => expect(decide(http(status)).retry).toBe(retry));
  }

  const shouldRetry: Array<[number, string, boolean]> = [
    [503, 'false', false], [429, 'false', false], [418, 'true', true], [409, 'TRUE', true], [500, ' true ', true],
    [400, 'true', false], [401, 'true', false], [404, 'true', false], [422, 'true', false], [503, 'maybe', true],
  ];
  for (const [status, value, retry] of shouldRetry) {
    it(`HTTP ${status} with x-should-retry: ${JSON.stringify(value)} → ${retry}`, () =>
      expect(decide(http(status, { 'x-should-retry': value })).retry).toBe(retry));
  }

  const other: Array<[string, Failure, boolean, string]> = [
    ['connection refused', { kind: 'connect', code: 'ECONNREFUSED' }, true, 'connection refused'],
    ['DNS failure', { kind: 'connect', code: 'ENOTFOUND' }, true, 'host not found'],
    ['unknown connect code', { kind: 'connect', code: 'EWHATEVER' }, true, 'EWHATEVER'],
    ['R23: disconnect after send', { kind: 'disconnect', code: 'ECONNRESET' }, false, 'may have been billed'],
    ['headers timeout', { kind: 'timeout', phase: 'headers' }, true, 'no response headers'],
    ['idle timeout', { kind: 'timeout', phase: 'idle' }, true, 'idle'],
    ['total timeout', { kind: 'timeout', phase: 'total' }, true, 'timed out'],
    ['R08: truncated stream', { kind: 'truncated' }, true, 'ended early'],
    ['R07b: server_error in stream', { kind: 'stream_error', error: { message: 'Something went wrong', code: 'server_error' } }, true, 'server_error'],
    ['R07: model_not_found in stream', { kind: 'stream_error', error: { message: 'x', type: 'invalid_request_error', code: 'model_not_found' } }, false, 'model_not_found'],
    ['invalid_request_error in stream', { kind: 'stream_error', error: { message: 'x', type: 'invalid_request_error' } }, false, 'invalid_request_error'],
    ['overloaded_error in stream', { kind: 'stream_error', error: { message: 'Overloaded', type: 'overloaded_error' } }, true, 'overloaded_error'],
    ['numeric 502 in stream', { kind: 'stream_error', error: { message: 'Provider returned error', code: '502' } }, true, '502'],
    ['unknown error in stream', { kind: 'stream_error', error: { message: 'odd' } }, false, 'error in stream'],
  ];
  for (const [name, f, retry, text] of other) {
    it(`${name} → ${retry ? 'retry' : 'no retry'}`, () => {
      const d = decide(f);
      expect(d.retry).toBe(retry);
      expect(d.reason).toContain(text);
    });
  }

  it('R23: a disconnect is retried only when the user opted in', () => {
    expect(decide({ kind: 'disconnect', code: 'UND_ERR_SOCKET' }, fresh, { ...DEFAULT_RETRY, retryUnknownOutcome: true }).retry).toBe(true);
  });

  it('a reply that already reached the user is never retried, whatever failed', () => {
    const delivered = { retriesDone: 0, deliveredToUser: true };
    for (const f of [http(503), http(429, { 'retry-after': '1' }), { kind: 'truncated' } as Failure, { kind: 'timeout', phase: 'idle' } as Failure,
      { kind: 'stream_error', error: { message: 'x', code: 'server_error' } } as Failure]) {
      const d = decide(f, delivered);
      expect(d.retry).toBe(false);
      expect(d.reason).toContain('already shown');
    }
  });

  it('stops when the retries are used up, saying how many were made', () => {
    expect(decide(http(503), { retriesDone: 1, deliveredToUser: false }).retry).toBe(true);
    const d = decide(http(503), { retriesDone: 2, deliveredToUser: false });
    expect(d).toEqual({ retry: false, reason: '503 service unavailable; gave up after 2 retries' });
    expect(decide(http(503), fresh, { ...DEFAULT_RETRY, retries: 0 })).toEqual({ retry: false, reason: '503 service unavailable' });
  });
});

describe('backoff, quota and Anthropic resets', () => {
  const wide = { ...DEFAULT_RETRY, retries: 10 };
  const backoff: Array<[number, number, number]> = [
    // [retriesDone, random, delay]: random × min(8000, 500 × 2^n)
    [0, 0.999, 499], [1, 0.999, 999], [2, 0.999, 1998], [3, 0.5, 2000], [4, 0.999, 7992], [5, 0.999, 7992], [9, 0, 0],
  ];
  for (const [n, r, ms] of backoff) {
    it(`backoff after ${n} retries with random ${r} → ${ms} ms`, () =>
      expect(decide(http(500), { retriesDone: n, deliveredToUser: false }, wide, r)).toMatchObject({ retry: true, delayMs: ms }));
  }

  it('a wait named only in the message text is a floor under the backoff', () => {
    const body = { error: { message: 'Rate limit reached on tokens per min. Please try again in 1.5s. Contact us.', code: 'rate_limit_exceeded' } };
    expect(decide(http(429, {}, body), fresh, DEFAULT_RETRY, 0)).toMatchObject({ retry: true, delayMs: 1500 });
    const daily = { error: { message: 'Rate limit reached for requests per day. Please try again in 7m12s.' } };
    expect(decide(http(429, {}, daily))).toMatchObject({ retry: false, serverWaitMs: 432_000 });
  });

  const quota: Array<[string, unknown, boolean]> = [
    ['OpenAI insufficient_quota', { error: { message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', code: 'insufficient_quota' } }, true],
    ['message only', { error: { message: 'You exceeded your current quota, please check your plan and billing details.' } }, true],
    ['string body', 'Your credit balance is too low to access the API', true],
    ['Gemini per-minute quota with a retry time', [{ error: { code: 429, message: 'You exceeded your current quota, please check your plan and billing details. Please retry in 38.4s.', status: 'RESOURCE_EXHAUSTED' } }], false],
    ['plain TPM rate limit', { error: { message: 'Rate limit reached for gpt-4 on tokens per min. Please try again in 6ms.', type: 'tokens', code: 'rate_limit_exceeded' } }, false],
    ['no body', undefined, false],
  ];
  for (const [name, body, exhausted] of quota) {
    it(`quota: ${name} → ${exhausted}`, () => {
      expect(isQuotaExhausted(body)).toBe(exhausted);
      const d = decide(http(429, {}, body));
      expect(d.retry).toBe(!exhausted);
      if (exhausted) expect(d.reason).toBe('429 quota exhausted');
    });
  }

  it('a 429 without retry-after waits for the reset of the exhausted Anthropic bucket', () => {
    const h = {
      date: 'Sun, 01 Jun 2031 08:00:00 GMT',
      'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2031-06-01T08:00:07Z',
      'anthropic-ratelimit-tokens-remaining': '900', 'anthropic-ratelimit-tokens-reset': '2031-06-01T08:00:50Z',
    };
    expect(decide(http(429, h))).toMatchObject({ retry: true, delayMs: 7000 });
    // without a Date header the caller's clock is the reference
    const { date: _date, ...noDate } = h;
    expect(decideRetry(http(429, noDate), fresh, DEFAULT_RETRY, () => 0.5, Date.parse('2031-06-01T08:00:03Z'))).toMatchObject({ delayMs: 4000 });
    // retry-after, when present, wins over the reset times
    expect(decide(http(429, { ...h, 'retry-after': '2' }))).toMatchObject({ delayMs: 2000 });
    // a bucket exhausted for longer than the cap is refused with the wait named
    expect(decide(http(429, { ...h, 'anthropic-ratelimit-requests-reset': '2031-06-01T08:10:00Z' }))).toMatchObject({ retry: false, serverWaitMs: 600_000 });
  });
});

describe('sleep', () => {
  it('resolves after the delay', async () => {
    await expect(sleep(5)).resolves.toBeUndefined();
  });

  it('R22: rejects at once with the abort reason when aborted during the wait', { timeout: 5000 }, async () => {
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    const reason = new Error('Ctrl-C');
    setImmediate(() => ac.abort(reason));
    await expect(p).rejects.toBe(reason);
  });

  it('rejects without waiting when the signal is already aborted', { timeout: 5000 }, async () => {
    const ac = new AbortController();
    ac.abort(new Error('already'));
    await expect(sleep(60_000, ac.signal)).rejects.toThrow('already');
  });
});
