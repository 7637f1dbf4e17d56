import { describe, expect, it } from 'vitest';
import { anthropicExhaustedWaitMs, parseGoDuration, parseRateLimitHeaders } from '../../src/core/ratelimit-headers.js';

describe('parseGoDuration', () => {
  const table: Array<[string, number | undefined]> = [
    ['1s', 1000], ['6m0s', 360_000], ['12ms', 12], ['1h2m3.5s', 3_723_500], ['0s', 0], ['0', 0],
    ['500us', 0.5], ['1.5µs', 0.0015], ['2μs', 0.002], ['100ns', 0.0001], ['7.66s', 7660], ['2m59.56s', 179_560],
    ['.5s', 500], [' 20ms ', 20], ['+3s', 3000],
    // lenient: a bare number is seconds (some relays send "20" for a reset)
    ['20', 20_000], ['0.5', 500],
    ['', undefined], ['s', undefined], ['-1s', undefined], ['1x', undefined], ['1s2', undefined], ['1 s', undefined],
    ['abc', undefined], ['1.2.3s', undefined],
  ];
  for (const [input, ms] of table) {
    it(`${JSON.stringify(input)} → ${ms}`, () => {
      const got = parseGoDuration(input);
      if (ms === undefined) expect(got).toBeUndefined();
      else expect(got).toBeCloseTo(ms, 9);
    });
  }
});

describe('parseRateLimitHeaders', () => {
  const NOW = Date.parse('2024-03-26T19:59:50Z');

  it('OpenAI x-ratelimit-* with Go-duration resets', () => {
    expect(parseRateLimitHeaders({
      'x-ratelimit-limit-requests': '10000', 'x-ratelimit-remaining-requests': '9999', 'x-ratelimit-reset-requests': '6ms',
      'x-ratelimit-limit-tokens': '30000000', 'x-ratelimit-remaining-tokens': '29999980', 'x-ratelimit-reset-tokens': '1m2.5s',
    }, NOW)).toEqual({
      source: 'openai', limitRequests: 10000, remainingRequests: 9999, resetRequestsMs: 6,
      limitTokens: 30_000_000, remainingTokens: 29_999_980, resetTokensMs: 62_500,
    });
  });

  it('mixed-case header names and partial sets', () => {
    expect(parseRateLimitHeaders({ 'X-RateLimit-Remaining-Tokens': '12', 'X-RateLimit-Reset-Tokens': 'garbage' }, NOW))
      .toEqual({ source: 'openai', remainingTokens: 12 });
  });

  it('Anthropic anthropic-ratelimit-* with RFC 3339 resets, measured from the Date header', () => {
    expect(parseRateLimitHeaders({
      date: 'Tue, 26 Mar 2024 19:59:59 GMT',
      'anthropic-ratelimit-requests-limit': '5', 'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2024-03-26T20:00:00Z',
      'anthropic-ratelimit-tokens-limit': '25000', 'anthropic-ratelimit-tokens-remaining': '16000',
      'anthropic-ratelimit-tokens-reset': '2024-03-26T20:00:30Z',
    }, NOW)).toEqual({
      source: 'anthropic', limitRequests: 5, remainingRequests: 0, resetRequestsMs: 1000,
      limitTokens: 25000, remainingTokens: 16000, resetTokensMs: 31_000,
    });
  });

  it('Anthropic without a Date header uses now; a reset in the past is 0', () => {
    expect(parseRateLimitHeaders({
      'anthropic-ratelimit-requests-reset': '2024-03-26T20:00:00Z',
      'anthropic-ratelimit-input-tokens-remaining': '10', 'anthropic-ratelimit-input-tokens-reset': '2024-03-26T19:00:00Z',
    }, NOW)).toEqual({ source: 'anthropic', resetRequestsMs: 10_000, remainingTokens: 10, resetTokensMs: 0 });
  });

  it('no rate-limit headers → source none', () => {
    expect(parseRateLimitHeaders({ 'content-type': 'application/json' }, NOW)).toEqual({ source: 'none' });
  });

  it('negative or non-numeric counts are dropped', () => {
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit-requests': '-1', 'x-ratelimit-remaining-requests': 'lots', 'x-ratelimit-reset-requests': '1s' }, NOW))
      .toEqual({ source: 'openai', resetRequestsMs: 1000 });
  });
});

describe('anthropicExhaustedWaitMs', () => {
  const base = { date: 'Tue, 26 Mar 2024 19:59:59 GMT' };
  it('takes the latest reset among exhausted buckets only', () => {
    expect(anthropicExhaustedWaitMs({
      ...base,
      'anthropic-ratelimit-requests-remaining': '0', 'anthropic-ratelimit-requests-reset': '2024-03-26T20:00:00Z',
      'anthropic-ratelimit-output-tokens-remaining': '0', 'anthropic-ratelimit-output-tokens-reset': '2024-03-26T20:00:04Z',
      'anthropic-ratelimit-tokens-remaining': '5', 'anthropic-ratelimit-tokens-reset': '2024-03-26T20:09:00Z',
    })).toBe(5000);
  });
  it('undefined when no bucket is exhausted', () => {
    expect(anthropicExhaustedWaitMs({ ...base, 'anthropic-ratelimit-requests-remaining': '3', 'anthropic-ratelimit-requests-reset': '2024-03-26T20:00:00Z' })).toBeUndefined();
  });
});
