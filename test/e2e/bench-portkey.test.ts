import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { portkeyInstalled, startPortkey, type StartedGateway } from '../helpers/portkey.js';
import { runRelay } from '../helpers/relay.js';
import { spawnSim, type SpawnedSim } from '../helpers/sim.js';

// A real relay in the loop: direct = relay sim; relay = the Portkey gateway, then the same sim.
// Whatever the gateway adds must show up as relay minus direct, and nothing may fail.

const installed = portkeyInstalled();
let sim: SpawnedSim | undefined;
let gateway: StartedGateway | undefined;
const dir = mkdtempSync(join(tmpdir(), 'relay-portkey-'));

afterAll(async () => {
  await Promise.all([sim?.stop(), gateway?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('relay bench with the Portkey gateway as the relay', () => {
  it('reports the gateway\'s added latency', async (ctx) => {
    if (!installed) ctx.skip('@portkey-ai/gateway is not installed: npm i -D @portkey-ai/gateway (with the @hono/node-server 1.14.1 override)');
    [sim, gateway] = await Promise.all([spawnSim(['--ttft', '30ms', '--tps', '400', '--seed', '2']), startPortkey()]);
    writeFileSync(join(dir, '.relayrc.json'), JSON.stringify({
      defaultModel: 'sim-1',
      endpoints: {
        'local-direct': { baseUrl: sim.url, region: 'local', via: 'direct', simulated: true },
        'local-portkey': {
          baseUrl: gateway.url, region: 'local', via: 'relay', simulated: true,
          headers: { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': sim.url },
        },
      },
    }));
    const r = await runRelay(['bench', '--regions', 'local', '-n', '40', '-c', '2', '--seed', '8', '--max-tokens', '16', '--json'],
      { cwd: dir, env: { RELAY_API_KEY: 'sk-portkey-test-key' } });
    expect(r.stderr).not.toMatch(/^relay: /m);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const [direct, relay] = doc.targets;
    expect([direct.errors, relay.errors]).toEqual([0, 0]);
    expect(relay.requests).toBe(40);
    const pair = doc.pairs[0];
    expect(pair).toMatchObject({ region: 'local', direct: 'local-direct', relay: 'local-portkey' });
    // The gateway is an extra hop in front of the same simulator: it can only add time.
    expect(relay.metrics.ttfb.p50).toBeGreaterThan(direct.metrics.ttfb.p50);
    expect(pair.metrics.ttft.p50.diffMs).toBeGreaterThan(0);
    expect(pair.metrics.e2e.p50.diffMs).toBeGreaterThan(0);
    expect(pair.verdict).toMatch(/relay slower by|no clear difference/);
    expect(r.stdout + r.stderr).not.toContain('sk-portkey-test-key');
  });
});
