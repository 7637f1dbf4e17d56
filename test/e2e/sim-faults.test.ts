import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simReplyText } from '../../src/sim/text.js';
import { postChat, spawnSim, sseData, waitFor, type SpawnedSim } from '../helpers/sim.js';

// Faults, keys and limits of `relay sim`, as a client meets them over HTTP.

const ask = (content: string, extra: Record<string, unknown> = {}) =>
  ({ model: 'sim-1', messages: [{ role: 'user', content }], ...extra });

const started: SpawnedSim[] = [];
async function sim(args: string[]): Promise<SpawnedSim> {
  const s = await spawnSim(args);
  started.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});

async function stats(s: SpawnedSim, profile = 'default') {
  return (await (await fetch(`${s.origin}/__sim/stats`)).json()).profiles[profile];
}

describe('--api-key', () => {
  const KEY = 'sk-simtest-SECRET-9f8e7d6c5b4a';
  const WRONG = 'sk-wrong-key-0123456789abcdef';
  let s: SpawnedSim;
  beforeAll(async () => { s = await sim(['--api-key', KEY, '--log']); });

  it('answers 401 invalid_api_key without echoing the key sent or expected, and 200 with the right one', async () => {
    const none = await postChat(s.url, ask('hi'));
    const wrong = await postChat(s.url, ask('hi'), { authorization: `Bearer ${WRONG}` });
    const models = await fetch(`${s.url}/models`, { headers: { authorization: `Bearer ${WRONG}` } });
    for (const res of [none, wrong, models]) {
      expect(res.status).toBe(401);
      const text = await res.text();
      expect(JSON.parse(text).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key', param: null });
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(WRONG);
      expect(text).not.toContain('9f8e');
    }
    expect((await postChat(s.url, ask('hi'), { authorization: `Bearer ${KEY}` })).status).toBe(200);
    await waitFor(() => s.stderr().split('\n').filter((l) => / default (200|401) /.test(l)).length >= 3);
    expect(s.stderr()).not.toContain(KEY);
    expect(s.stderr()).not.toContain(WRONG);
    expect(s.stderr()).toContain('key required');
  });
});

describe('--rpm and --tpm', () => {
  it('sends x-ratelimit-* headers on every reply and a 429 rate_limit_exceeded with retry-after when exceeded', async () => {
    const s = await sim(['--rpm', '6']);
    const remaining: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await postChat(s.url, ask(`r${i}`));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit-requests')).toBe('6');
      expect(res.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?(ms|s)$|^\d+m[\d.]+s$/);
      remaining.push(res.headers.get('x-ratelimit-remaining-requests')!);
    }
    expect(remaining).toEqual(['5', '4', '3', '2', '1', '0']);
    const res = await postChat(s.url, ask('one too many'));
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(9);
    expect(Number(res.headers.get('retry-after-ms'))).toBeGreaterThan(9000);
    expect(Number(res.headers.get('retry-after-ms'))).toBeLessThanOrEqual(10_000);
    expect((await res.json()).error).toMatchObject({ code: 'rate_limit_exceeded', type: 'requests' });
    expect(await stats(s)).toMatchObject({ rateLimited: 1, byStatus: { 200: 6, 429: 1 } });
  });

  it('never refuses a client that paces itself at the limit (--rpm 600, one-second bucket)', async () => {
    const s = await sim(['--rpm', '600', '--burst', '1s']);
    const start = performance.now();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const due = start + i * 100;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      statuses.push((await postChat(s.url, ask(`p${i}`, { max_tokens: 1 }))).status);
    }
    expect(statuses.filter((x) => x !== 200)).toEqual([]);
  });

  it('charges prompt + n x max_tokens against --tpm and names the tokens limit', async () => {
    const s = await sim(['--tpm', '1000', '--reply-tokens', 'max']);
    const first = await postChat(s.url, ask('hi', { max_tokens: 400, n: 2 }));
    expect(first.status).toBe(200);
    expect(Number(first.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThanOrEqual(1000 - 809 + 10);
    const second = await postChat(s.url, ask('hi', { max_tokens: 400 }));
    expect(second.status).toBe(429);
    expect((await second.json()).error).toMatchObject({ code: 'rate_limit_exceeded', type: 'tokens' });
  });

  it('gives back the reserved tokens a reply did not use', async () => {
    const s = await sim(['--tpm', '1000']);
    const first = await (await postChat(s.url, ask('hi', { max_tokens: 400, n: 2 }))).json();
    expect(first.usage.completion_tokens).toBe(128);
    expect((await postChat(s.url, ask('hi', { max_tokens: 400 }))).status).toBe(200);
  });
});

describe('fault script: each kind in order', () => {
  let s: SpawnedSim;
  beforeAll(async () => {
    s = await sim(['--seed', '3', '--retry-after', '1', '--fault-script',
      '429,500*3,503,reset,stall,truncate,truncate,error,error,quota,418,ok']);
  });

  it('plays every fault as documented', async () => {
    const r429 = await postChat(s.url, ask('a'));
    expect([r429.status, r429.headers.get('retry-after'), r429.headers.get('retry-after-ms')]).toEqual([429, '1', '1000']);
    expect((await r429.json()).error.code).toBe('rate_limit_exceeded');

    for (let i = 0; i < 3; i++) {
      const r = await postChat(s.url, ask('b'));
      expect(r.status).toBe(500);
      expect((await r.json()).error.type).toBe('server_error');
    }
    const r503 = await postChat(s.url, ask('c'));
    expect([r503.status, (await r503.json()).error.type]).toEqual([503, 'server_error']);

    const reset = await postChat(s.url, ask('reset')).catch((e: Error & { cause?: { code?: string } }) => e);
    expect((reset as { cause?: { code?: string } }).cause?.code).toBe('ECONNRESET');

    await expect(postChat(s.url, ask('stall'), {}, AbortSignal.timeout(300))).rejects.toThrow(/aborted|timeout/i);
    await waitFor(async () => (await stats(s)).disconnects === 1, 5000, 'the stalled request to be seen going away');

    const req = ask('truncate me', { stream: true });
    const events = await sseData(await postChat(s.url, req));
    expect(events).not.toContain('[DONE]');
    const chunks = events.map((e) => JSON.parse(e));
    expect(chunks.every((c) => c.choices[0].finish_reason === null)).toBe(true);
    const partial = chunks.map((c) => c.choices[0].delta.content).join('');
    expect(partial.length).toBeGreaterThan(0);
    expect(simReplyText(3, req).startsWith(partial)).toBe(true);
    expect(partial).not.toBe(simReplyText(3, req));

    const cut = await (await postChat(s.url, ask('truncate json'))).text();
    expect(cut.startsWith('{"id":"chatcmpl-')).toBe(true);
    expect(() => JSON.parse(cut)).toThrow();

    const errEvents = await sseData(await postChat(s.url, ask('error me', { stream: true })));
    expect(errEvents).not.toContain('[DONE]');
    expect(JSON.parse(errEvents.at(-1)!).error).toMatchObject({ type: 'server_error' });
    expect(JSON.parse(errEvents.at(-2)!).choices[0].delta.content).toEqual(expect.any(String));
    const errJson = await postChat(s.url, ask('error json'));
    expect([errJson.status, (await errJson.json()).error.type]).toEqual([500, 'server_error']);

    const quota = await postChat(s.url, ask('q'));
    expect([quota.status, (await quota.json()).error.code]).toEqual([429, 'insufficient_quota']);
    expect((await postChat(s.url, ask('teapot'))).status).toBe(418);
    expect((await postChat(s.url, ask('ok'))).status).toBe(200);
    expect((await postChat(s.url, ask('after the script'))).status).toBe(200);

    expect(await stats(s)).toMatchObject({
      chatRequests: 15,
      faults: { 429: 1, 500: 3, 503: 1, reset: 1, stall: 1, truncate: 2, error: 2, quota: 1, 418: 1 },
      byStatus: { 200: 5, 429: 2, 500: 4, 503: 1, 418: 1 },
    });
  });
});

describe('--faults with --seed', () => {
  async function outcomes(seed: string): Promise<number[]> {
    const s = await sim(['--faults', '500=0.3,429=0.2,503=0.1', '--seed', seed]);
    const out: number[] = [];
    for (let i = 0; i < 40; i++) out.push((await postChat(s.url, ask(`q${i}`, { max_tokens: 1 }))).status);
    return out;
  }

  it('hits the same requests on every run with the same seed, other requests with another seed', async () => {
    const [a, b, c] = await Promise.all([outcomes('11'), outcomes('11'), outcomes('12')]);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const code of [200, 500, 429, 503]) expect(a).toContain(code);
  });
});
