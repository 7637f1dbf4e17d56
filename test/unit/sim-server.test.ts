import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/sim/profiles.js';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { ProfileState } from '../../src/sim/state.js';
import { simReplyText } from '../../src/sim/text.js';

// The in-process API (tests and the demo start the simulator without a child process).

let sim: SimServer | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const ask = { model: 'm', messages: [{ role: 'user', content: 'in process' }], max_tokens: 4 };
const post = (base: string, body: unknown = ask) =>
  fetch(`${base}/chat/completions`, { method: 'POST', body: JSON.stringify(body) });

describe('startSim', () => {
  it('serves on a free loopback port with profiles given as settings or spec strings', async () => {
    sim = await startSim({ seed: 4, profiles: { eu: 'latency:1ms,region:eu', us: { tps: 1000, via: 'relay' } } });
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(sim.baseUrl('eu')).toBe(`${sim.origin}/eu/v1`);
    expect(sim.profileNames()).toEqual(['default', 'eu', 'us']);
    expect(sim.profileSettings('eu')).toMatchObject({ latencyMs: 1, region: 'eu' });
    const body = await (await post(sim.baseUrl('us'))).json();
    expect(body.choices[0].message.content).toBe(simReplyText(4, ask));
    expect(sim.stats().profiles.us!.chatRequests).toBe(1);
  });

  it('changes a profile with setProfile and refuses bad settings', async () => {
    sim = await startSim({});
    sim.setProfile('default', { faultScript: ['503'] });
    expect((await post(sim.url)).status).toBe(503);
    expect((await post(sim.url)).status).toBe(200);
    sim.setProfile('default', { faults: '500=1' });
    expect((await post(sim.url)).status).toBe(500);
    expect(() => sim!.setProfile('default', { tps: -3 })).toThrow(/invalid tps/);
    expect(() => sim!.setProfile('v1', {})).toThrow(/invalid profile name/);
  });

  it('refuses a port in use with a usage error that says what to do', async () => {
    sim = await startSim({});
    await expect(startSim({ port: sim.port })).rejects.toThrow(/is in use: choose another with --port/);
  });

  it('closes with requests still stalled', async () => {
    sim = await startSim({ faultScript: ['stall'] });
    const pending = post(sim.url).catch((e: Error) => e);
    await new Promise<void>((resolve) => {
      const poll = () => (sim!.stats().total.inFlight === 1 ? resolve() : setTimeout(poll, 5));
      poll();
    });
    await sim.close();
    sim = undefined;
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('keep-alive comments', () => {
  it('fill a long silence inside a stream with SSE comments, and only the silence', async () => {
    sim = await startSim({ ttftMs: 300, keepaliveMs: 60 });
    const text = await (await post(sim.url, { ...ask, stream: true })).text();
    const events = text.split('\n\n').filter(Boolean);
    const firstContent = events.findIndex((e) => e.includes('"delta":{"content"'));
    const comments = events.map((e, i) => (e === ': keep-alive' ? i : -1)).filter((i) => i >= 0);
    expect(comments.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...comments)).toBeLessThan(firstContent);
    expect(events.at(-1)).toBe('data: [DONE]');
  });
});

describe('jitter', () => {
  const settings = { ...DEFAULT_SETTINGS, latencyMs: 50, jitterMs: 20 };

  it('adds seeded noise that never drops below the base latency', () => {
    for (const jitterDist of ['uniform', 'normal'] as const) {
      const a = new ProfileState('x', { ...settings, jitterDist }, 9);
      const b = new ProfileState('x', { ...settings, jitterDist }, 9);
      const xs = Array.from({ length: 2000 }, () => a.latency());
      expect(Array.from({ length: 2000 }, () => b.latency())).toEqual(xs);
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(50);
      if (jitterDist === 'uniform') expect(Math.max(...xs)).toBeLessThan(70);
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      // uniform [0, 20): mean 10; half-normal with sd 20: mean 20 * sqrt(2 / pi) = 15.96
      expect(mean - 50).toBeCloseTo(jitterDist === 'uniform' ? 10 : 15.96, 0);
    }
    expect(new ProfileState('x', settings, 10).latency()).not.toBe(new ProfileState('x', settings, 9).latency());
  });
});
