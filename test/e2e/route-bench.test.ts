import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSim, type SpawnedSim } from '../helpers/sim.js';
import { runRelay } from '../helpers/relay.js';
import { tempDir } from '../helpers/batch.js';

// Issue 6: `relay bench --route NAME` measures the route as a whole beside its endpoints one by one.

let sim: SpawnedSim;
beforeAll(async () => { sim = await spawnSim(['--profile', 'near=latency:10ms', '--profile', 'far=latency:120ms']); });
afterAll(async () => { await sim?.stop(); });

it('bench --route reports the route beside each endpoint; a latency route lands near the fastest', async () => {
  const dir = tempDir('relay-route-bench-');
  writeFileSync(join(dir, 'relay.config.json'), JSON.stringify({
    endpoints: { far: { baseUrl: sim.baseUrl('far') }, near: { baseUrl: sim.baseUrl('near') } },
    routes: { r: { endpoints: ['far', 'near'], strategy: 'latency' } },
  }));
  const r = await runRelay(['bench', '--route', 'r', '-m', 'sim-1', '-n', '30', '-c', '2', '--max-tokens', '4', '--seed', '3', '--json'], { cwd: dir });
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout);
  expect(doc.targets.map((t: { name: string }) => t.name).sort()).toEqual(['far', 'near', 'route:r']);
  const by = Object.fromEntries(doc.targets.map((t: { name: string }) => [t.name, t]));
  expect(by['route:r'].requests).toBe(30);
  expect(by['route:r'].errors).toBe(0);
  expect(by['route:r'].simulated).toBe(true);
  // Warm-up teaches the router which endpoint is fast; its median is then the near one's, not the far one's.
  expect(by['route:r'].metrics.ttfb.p50).toBeLessThan(by.far.metrics.ttfb.p50 / 2);
});

it('an unknown route is a usage error naming the configured ones', async () => {
  const dir = tempDir('relay-route-bench-');
  writeFileSync(join(dir, 'relay.config.json'), JSON.stringify({ endpoints: { a: { baseUrl: sim.url } }, routes: { main: { endpoints: ['a'] } } }));
  const r = await runRelay(['bench', '--route', 'nope', '-m', 'sim-1'], { cwd: dir });
  expect(r.code).toBe(2);
  expect(r.stderr.trim()).toBe('relay: no route "nope" in the config; routes: main');
});
