import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayClient } from '../../src/core/client.js';
import { DEFAULT_RETRY } from '../../src/core/retry.js';
import { Router } from '../../src/core/router.js';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { runRelay } from '../helpers/relay.js';
import { spawnSim, type SpawnedSim } from '../helpers/sim.js';

// Routing against real simulators on loopback: the router is used as a library here and through
// `relay chat --endpoint a,b` / `relay route status` as a process.

const req = { model: 'sim-1', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 4 };

function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => { x = (x * 1664525 + 1013904223) >>> 0; return x / 2 ** 32; };
}

describe('router against simulators', () => {
  let sim: SimServer;
  beforeAll(async () => {
    sim = await startSim({ seed: 3, profiles: { fast: { latencyMs: 20 }, mid: { latencyMs: 60 }, slow: { latencyMs: 150 } } });
  });
  afterAll(async () => { await sim?.close(); });

  const clients = (names: string[]) => names.map((n) => new RelayClient({ endpoint: { name: n, baseUrl: sim.baseUrl(n) } }));

  it('latency strategy: after warm-up at least 80% go to the fastest; when it slows down, traffic moves within a bounded number of requests', async () => {
    const router = new Router(clients(['slow', 'mid', 'fast']), { strategy: 'latency', retry: DEFAULT_RETRY, random: seeded(9) });
    try {
      const first: string[] = [];
      for (let i = 0; i < 60; i++) first.push((await router.chat(req)).endpoint);
      const afterWarmup = first.slice(3);
      expect(afterWarmup.filter((e) => e === 'fast').length / afterWarmup.length).toBeGreaterThanOrEqual(0.8);

      sim.setProfile('fast', { latencyMs: 300 });
      const next: string[] = [];
      for (let i = 0; i < 30; i++) next.push((await router.chat(req)).endpoint);
      const movedAt = next.findIndex((e, i) => next.slice(i, i + 5).every((x) => x === 'mid'));
      expect(movedAt).toBeGreaterThanOrEqual(0);
      expect(movedAt).toBeLessThanOrEqual(10);
    } finally {
      sim.setProfile('fast', { latencyMs: 20 });
      await router.close();
    }
  });

  it('breaker: opens after the configured failures, half-opens after the cooldown, closes on success', async () => {
    sim.setProfile('flaky', { faults: '503=1' });
    const router = new Router(clients(['flaky', 'mid']), {
      strategy: 'priority', retry: { ...DEFAULT_RETRY, retries: 1 }, breaker: { failures: 2, cooldownMs: 300 },
    });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await router.chat(req);
        expect(r.endpoint).toBe('mid');
        expect(r.failovers).toEqual([expect.objectContaining({ from: 'flaky', to: 'mid', reason: '503 service unavailable' })]);
      }
      expect(router.health()[0].state).toBe('open');
      const whileOpen = await router.chat(req);
      expect(whileOpen.failovers).toEqual([]); // the open endpoint is skipped, not tried
      sim.setProfile('flaky', { faults: '' });
      await new Promise<void>((r) => { setTimeout(r, 350); }); // the cooldown is the behaviour under test
      expect(router.health()[0].state).toBe('half-open');
      const probe = await router.chat(req);
      expect(probe.endpoint).toBe('flaky');
      expect(router.health()[0].state).toBe('closed');
    } finally {
      await router.close();
    }
  });

  it('active probing (--probe-interval) notices a recovered endpoint without sending it real traffic', async () => {
    sim.setProfile('flaky2', { faults: '503=1' });
    const router = new Router(clients(['flaky2', 'mid']), {
      strategy: 'priority', retry: { ...DEFAULT_RETRY, retries: 1 }, breaker: { failures: 1, cooldownMs: 100 },
    });
    const stop = router.startProbing(50);
    try {
      await router.chat(req);
      expect(router.health()[0].state).not.toBe('closed');
      sim.setProfile('flaky2', { faults: '' });
      const deadline = Date.now() + 5000;
      while (router.health()[0].state !== 'closed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      expect(router.health()[0].state).toBe('closed');
      expect((await router.chat(req)).endpoint).toBe('flaky2');
    } finally {
      stop();
      await router.close();
    }
  });

  it('failover switchover is measured and well under 100 ms', async () => {
    const router = new Router([
      new RelayClient({ endpoint: { name: 'dead', baseUrl: 'http://127.0.0.1:9/v1' }, connectTimeoutMs: 1000 }),
      ...clients(['fast']),
    ], { strategy: 'priority', retry: DEFAULT_RETRY });
    try {
      const r = await router.chat(req);
      expect(r.endpoint).toBe('fast');
      expect(r.failovers).toHaveLength(1);
      expect(r.failovers[0].reason).toBe('connection refused');
      expect(r.failovers[0].switchMs).toBeLessThan(100);
    } finally {
      await router.close();
    }
  });
});

describe('routes through the CLI', () => {
  let good: SpawnedSim;
  let locked: SpawnedSim;
  let dir: string;
  beforeAll(async () => {
    [good, locked] = await Promise.all([spawnSim(['--seed', '1']), spawnSim(['--api-key', 'sk-right-key-for-this-sim'])]);
    dir = mkdtempSync(join(tmpdir(), 'relay-route-'));
    writeFileSync(join(dir, 'relay.config.json'), JSON.stringify({
      defaultModel: 'sim-1',
      endpoints: {
        locked: { baseUrl: locked.url, simulated: true },
        good: { baseUrl: good.url, simulated: true },
        prefixed: { baseUrl: good.url, models: { 'gpt-4.1': 'openai/gpt-4.1' } },
        down1: { baseUrl: 'http://127.0.0.1:9/v1' },
        down2: { baseUrl: 'http://127.0.0.1:7/v1' },
      },
      routes: { default: { endpoints: ['locked', 'good'] }, dead: { endpoints: ['down1', 'down2'] } },
    }));
  });
  afterAll(async () => { await Promise.all([good?.stop(), locked?.stop()]); });

  it('a 401 from one endpoint is not failed over and is reported as such (exit 4)', async () => {
    const r = await runRelay(['chat', 'hi'], { cwd: dir, env: { RELAY_API_KEY: 'sk-wrong-key-0123456789' } });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/relay: 401 from .*: the key in RELAY_API_KEY was refused/);
    expect(r.stdout).toBe('');
  });

  it('an endpoint that spells model names its own way gets its name on the wire', async () => {
    const r = await runRelay(['chat', '--endpoint', 'prefixed', '-m', 'gpt-4.1', '--json', 'hi'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).model).toBe('openai/gpt-4.1'); // the simulator echoes the model it was sent
  });

  it('a route whose endpoints are all down ends with an error naming each endpoint and why (exit 6)', async () => {
    const r = await runRelay(['chat', '--endpoint', 'dead', 'hi'], { cwd: dir });
    expect(r.code).toBe(6);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('relay: connection refused; failed over to down2');
    expect(lines.at(-1)).toMatch(/^relay: every endpoint of the route failed: down1 \(connection refused[^)]*\); down2 \(connection refused[^)]*\)$/);
  });

  it('route status probes every endpoint and reports health, latency, models and breaker state', async () => {
    const r = await runRelay(['route', 'status', '--endpoint', 'good,down1', '--json', '--probes', '2'], { cwd: dir });
    expect(r.code).toBe(6);
    const doc = JSON.parse(r.stdout);
    expect(doc.endpoints[0]).toMatchObject({ name: 'good', healthy: true, breaker: 'closed', simulated: true });
    expect(doc.endpoints[1].simulated).toBe(false); // down: nothing says it is simulated
    expect(doc.endpoints[0].models).toContain('sim-1');
    expect(doc.endpoints[1]).toMatchObject({ name: 'down1', healthy: false, failures: 2 });
    expect(doc.endpoints[1].error).toMatch(/cannot connect/);
  });

  it('route status labels an endpoint simulated when relay sim answers it, even if the config does not say so', async () => {
    const r = await runRelay(['route', 'status', '--endpoint', 'prefixed', '--probes', '1'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^prefixed +healthy .*\(simulated\)$/m);
  });
});
