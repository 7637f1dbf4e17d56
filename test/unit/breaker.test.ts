import { describe, expect, it } from 'vitest';
import { Breaker } from '../../src/core/breaker.js';

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

const settings = { failures: 3, errorRate: 0.5, window: 10, minRequests: 6, cooldownMs: 1000 };

describe('circuit breaker', () => {
  it('opens after the configured consecutive failures, not before', () => {
    const c = clock();
    const b = new Breaker(settings, c.now);
    b.record(false); b.record(false);
    expect(b.state).toBe('closed');
    b.record(false, '503 service unavailable');
    expect(b.state).toBe('open');
    expect(b.canSend()).toBe(false);
    expect(b.lastReason).toBe('503 service unavailable');
    expect(b.openings).toBe(1);
  });

  it('a success resets the consecutive count', () => {
    const b = new Breaker(settings, clock().now);
    b.record(false); b.record(false); b.record(true); b.record(false); b.record(false);
    expect(b.state).toBe('closed');
  });

  it('opens on an error rate above the threshold in the window once enough requests are in', () => {
    const b = new Breaker({ ...settings, failures: 100 }, clock().now);
    for (const ok of [true, false, true, false, false]) b.record(ok);
    expect(b.state).toBe('closed'); // 5 outcomes < minRequests
    b.record(false); b.record(true);
    expect(b.state).toBe('open'); // 4 of 7 failed > 50%
  });

  it('half-opens after the cooldown, admits exactly one probe, and closes on its success', () => {
    const c = clock();
    const b = new Breaker(settings, c.now);
    for (let i = 0; i < 3; i++) b.record(false);
    c.advance(999);
    expect(b.state).toBe('open');
    c.advance(1);
    expect(b.state).toBe('half-open');
    expect(b.canSend()).toBe(true);
    b.onSend();
    expect(b.canSend()).toBe(false); // a second request waits for the probe
    b.record(true);
    expect(b.state).toBe('closed');
    expect(b.canSend()).toBe(true);
  });

  it('a failed probe opens it again for another cooldown', () => {
    const c = clock();
    const b = new Breaker(settings, c.now);
    for (let i = 0; i < 3; i++) b.record(false);
    c.advance(1000);
    b.onSend();
    b.record(false);
    expect(b.state).toBe('open');
    expect(b.msUntilProbe()).toBe(1000);
    expect(b.openings).toBe(2);
  });
});
