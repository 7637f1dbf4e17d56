import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postChat, spawnSim, sseData, waitFor, type SpawnedSim } from '../helpers/sim.js';

// The /__sim/ control API that tests and demos use to watch and steer a running simulator.

const ask = (content: string) => ({ model: 'sim-1', messages: [{ role: 'user', content }], max_tokens: 2 });
const KEY = 'sk-control-test-KEY-77aa88bb';

let s: SpawnedSim;
beforeAll(async () => {
  s = await spawnSim(['--profile', 'fast=latency:1ms,region:jp', '--profile', 'timed=ttft:40ms,tps:500,reply-tokens:5', '--api-key', KEY]);
});
afterAll(async () => {
  await s?.stop();
});

const auth = { authorization: `Bearer ${KEY}` };
const control = (path: string, body?: unknown) => fetch(`${s.origin}/__sim${path}`, body === undefined
  ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

describe('/__sim/ control API', () => {
  it('counts requests per profile and resets the counters', async () => {
    await control('/stats/reset', {});
    await postChat(s.url, ask('a'), auth);
    await postChat(s.baseUrl('fast'), ask('b'), auth);
    await postChat(s.baseUrl('fast'), ask('c'));
    const st = await (await control('/stats')).json();
    expect(st.profiles.default).toMatchObject({ chatRequests: 1, byStatus: { 200: 1 }, tokensServed: 2 });
    expect(st.profiles.fast).toMatchObject({ chatRequests: 2, byStatus: { 200: 1, 401: 1 }, tokensServed: 2 });
    expect(st.total).toMatchObject({ chatRequests: 3, tokensServed: 4, inFlight: 0 });
    const zero = await (await control('/stats/reset', {})).json();
    expect(zero.total.chatRequests).toBe(0);
  });

  it('reports how late it wrote streamed replies against their plan (the truth a client benchmark is checked with)', async () => {
    await control('/stats/reset', {});
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const events = await sseData(await postChat(s.baseUrl('timed'), { ...ask('t'), max_tokens: 5, stream: true }, auth));
      expect(events.at(-1)).toBe('[DONE]');
      // Planned: first token at 40 ms, the last of 5 at 40 + 4 x 2 ms; a client cannot see it sooner.
      expect(performance.now() - t0).toBeGreaterThanOrEqual(47);
    }
    const st = await (await control('/stats')).json();
    const t = st.timing.timed;
    expect(t.ttftLateMs.count).toBe(3);
    expect(t.e2eLateMs.count).toBe(3);
    // Never more than a quarter millisecond early; late by however busy this machine is (bounded generously).
    for (const x of [t.ttftLateMs.p50, t.ttftLateMs.max, t.e2eLateMs.p50, t.e2eLateMs.max]) {
      expect(x).toBeGreaterThanOrEqual(-0.3);
      expect(x).toBeLessThan(1000);
    }
    expect(st.timing.default).toBeUndefined(); // no streamed reply there since the reset
    // Each reply on its own: id, and when the request was seen, the first token and the last byte left.
    const served = await (await control('/requests')).json();
    expect(Object.keys(served)).toEqual(['timed']);
    expect(served.timed).toHaveLength(3);
    for (const x of served.timed) {
      expect(x.id).toMatch(/^req_/);
      expect(x.firstTokenWriteMs - x.arrivalMs).toBeGreaterThanOrEqual(40 - 0.3);
      expect(x.firstTokenMs).toBeGreaterThanOrEqual(x.firstTokenWriteMs);
      expect(x.lastByteWriteMs - x.arrivalMs).toBeGreaterThanOrEqual(48 - 0.3);
      expect(x.lastByteWriteMs).toBeGreaterThanOrEqual(x.firstTokenMs);
      expect(x.lastByteMs).toBeGreaterThanOrEqual(x.lastByteWriteMs);
      expect(Math.abs(x.arrivalMs - Date.now())).toBeLessThan(60_000); // epoch milliseconds
    }
    expect((await (await control('/stats/reset', {})).json()).timing).toEqual({});
    expect(await (await control('/requests')).json()).toEqual({});
  });

  it('changes a profile at run time, creates new ones, and refuses bad settings', async () => {
    const changed = await (await control('/profile/fast', { latency: '150ms' })).json();
    expect(changed).toMatchObject({ name: 'fast', latencyMs: 150, region: 'jp', url: `${s.origin}/fast/v1` });
    const t0 = performance.now();
    await postChat(s.baseUrl('fast'), ask('slow now'), auth);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(148);

    const created = await (await control('/profile/later', { faults: '503=1' })).json();
    expect(created.url).toBe(`${s.origin}/later/v1`);
    expect((await postChat(s.baseUrl('later'), ask('x'), auth)).status).toBe(503);

    const bad = await control('/profile/fast', { latency: 'soon' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/invalid latency 'soon'/);
  });

  it('lists profiles without ever showing the key', async () => {
    const text = await (await control('/profiles')).text();
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['default', 'fast']));
    expect(doc.default.apiKey).toBe('(set)');
    expect(text).not.toContain(KEY);
  });

  it('pauses arriving requests on demand while health still answers', async () => {
    await control('/pause', { ms: 250, profile: 'default' });
    const t0 = performance.now();
    const res = await postChat(s.url, ask('held'), auth);
    expect(res.status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(200);
    expect((await control('/pause', { ms: -1 })).status).toBe(400);
  });
});

describe('client disconnects and logging', () => {
  it('sees a client leave mid-stream, stops writing, and logs nothing per request without --log', async () => {
    await control('/profile/slow', { tps: 100 });
    await control('/stats/reset', {});
    const ac = new AbortController();
    const res = await postChat(s.baseUrl('slow'), { ...ask('long'), max_tokens: 200, stream: true }, auth, ac.signal);
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await waitFor(async () => (await (await control('/stats')).json()).profiles.slow.disconnects === 1, 5000, 'the disconnect');
    const st = (await (await control('/stats')).json()).profiles.slow;
    expect(st.inFlight).toBe(0);
    expect(st.tokensServed).toBeLessThan(200);
    expect(s.stderr()).not.toMatch(/ slow \d{3}| client-gone/);
  });
});

describe('--pause-at and --no-control', () => {
  it('holds requests arriving inside a scheduled pause', async () => {
    const paused = await spawnSim(['--pause-at', '0s:60s', '--no-control']);
    try {
      await expect(postChat(paused.url, ask('held'), {}, AbortSignal.timeout(400))).rejects.toThrow(/aborted|timeout/i);
      expect((await fetch(`${paused.origin}/health`)).status).toBe(200);
      expect((await fetch(`${paused.origin}/__sim/stats`)).status).toBe(404);
    } finally {
      await paused.stop();
    }
  });
});
