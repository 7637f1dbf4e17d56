import { describe, expect, it } from 'vitest';
import { RateLimits } from '../../src/sim/limits.js';

function headerMap(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) out[list[i]!] = list[i + 1]!;
  return out;
}

describe('RateLimits', () => {
  it('lets a whole minute of requests through at once by default, then refills at limit/60 per second', () => {
    const l = new RateLimits({ rpm: 600 }, 0);
    for (let i = 0; i < 600; i++) expect(l.admit(0, 0)).toBeNull();
    const no = l.admit(0, 0);
    expect(no).toMatchObject({ which: 'requests', limit: 600, remaining: 0 });
    expect(no!.waitMs).toBeCloseTo(100, 6);
    expect(l.admit(0, 99)).not.toBeNull();
    expect(l.admit(0, 100)).toBeNull();
  });

  it('never refuses a client pacing itself with a one-second bucket at the same limit', () => {
    // relay's limiter: refills at rpm/60 per second, holds one second's worth. Worst case it
    // sends a full second's burst at once, then one request every 1/rate.
    for (const burstMs of [60_000, 1000]) {
      const sim = new RateLimits({ rpm: 600, burstMs }, 0);
      let refused = 0;
      let t = 0;
      for (let i = 0; i < 10; i++) if (sim.admit(0, t)) refused++;
      for (let i = 0; i < 6000; i++) {
        t += 100;
        if (sim.admit(0, t)) refused++;
      }
      expect(refused).toBe(0);
    }
  });

  it('with --burst 1s holds only a second of refill', () => {
    const l = new RateLimits({ rpm: 600, burstMs: 1000 }, 0);
    for (let i = 0; i < 10; i++) expect(l.admit(0, 0)).toBeNull();
    expect(l.admit(0, 0)).not.toBeNull();
  });

  it('charges tokens, refuses what does not fit, and takes refunds', () => {
    const l = new RateLimits({ tpm: 6000 }, 0);
    expect(l.admit(5000, 0)).toBeNull();
    const no = l.admit(2000, 0);
    expect(no).toMatchObject({ which: 'tokens', limit: 6000, remaining: 1000, requested: 2000 });
    expect(no!.waitMs).toBeCloseTo(10_000, 6); // 1000 missing tokens at 100 per second
    l.refund(4000, 0);
    expect(l.admit(2000, 0)).toBeNull();
  });

  it('does not take a request when the other limit refuses it', () => {
    const l = new RateLimits({ rpm: 2, tpm: 100 }, 0);
    expect(l.admit(100, 0)).toBeNull();
    expect(l.admit(1, 0)).toMatchObject({ which: 'tokens' });
    expect(headerMap(l.headers(0))['x-ratelimit-remaining-requests']).toBe('1');
  });

  it('admits a request larger than the bucket when it is full, then makes later ones wait out the debt', () => {
    const l = new RateLimits({ tpm: 1000 }, 0);
    expect(l.admit(3000, 0)).toBeNull();
    const no = l.admit(10, 0);
    expect(no!.waitMs).toBeCloseTo((2000 + 10) * 60, 6);
    expect(l.admit(10, (2000 + 10) * 60)).toBeNull();
  });

  it('reports OpenAI headers with Go-duration resets', () => {
    const l = new RateLimits({ rpm: 60, tpm: 60_000 }, 0);
    expect(headerMap(l.headers(0))).toEqual({
      'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '60', 'x-ratelimit-reset-requests': '0s',
      'x-ratelimit-limit-tokens': '60000', 'x-ratelimit-remaining-tokens': '60000', 'x-ratelimit-reset-tokens': '0s',
    });
    l.admit(1500, 0);
    expect(headerMap(l.headers(0))).toMatchObject({
      'x-ratelimit-remaining-requests': '59', 'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-remaining-tokens': '58500', 'x-ratelimit-reset-tokens': '1.5s',
    });
    expect(new RateLimits({}, 0).headers(0)).toEqual([]);
    expect(new RateLimits({}, 0).active).toBe(false);
  });
});
