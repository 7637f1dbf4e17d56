import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseDuration } from '../../src/sim/duration.js';

describe('parseDuration', () => {
  it.each([
    ['40ms', 40], ['1.5s', 1500], ['2m', 120_000], ['1h', 3_600_000], ['1m30s', 90_000], ['250us', 0.25],
    ['0', 0], ['215', 215], ['0.5', 0.5], ['.5s', 500], [' 300ms ', 300], ['1h2m3.5s', 3_723_500],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text)).toBeCloseTo(ms, 9);
  });

  it.each(['', 'ms', '10x', '-5ms', '1.5.2s', '10 ms', 'abc', '5s3'])('rejects %j with a usage error naming the forms', (text) => {
    expect(() => parseDuration(text, 'latency')).toThrow(/invalid latency .*40ms, 1\.5s, 2m/);
    try { parseDuration(text); } catch (e) { expect((e as { exitCode: number }).exitCode).toBe(2); }
  });
});

describe('formatGoDuration (x-ratelimit-reset-* values)', () => {
  it.each([
    [0, '0s'], [-5, '0s'], [12, '12ms'], [0.2, '1ms'], [999.4, '1000ms'], [1000, '1s'], [1500, '1.5s'],
    [6000, '6s'], [60_000, '1m0s'], [360_000, '6m0s'], [3_723_500, '1h2m3.5s'], [3_600_000, '1h0m0s'], [61_234, '1m1.234s'],
  ])('%d ms -> %s', (ms, text) => {
    expect(formatGoDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 12, 999, 1000, 1500, 59_999, 60_000, 61_234, 3_723_500]) {
      expect(parseDuration(formatGoDuration(ms))).toBe(ms);
    }
  });
});
