import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSim, type SpawnedSim } from '../helpers/sim.js';
import { runRelay } from '../helpers/relay.js';
import { prompts, readOut, simStats, tempDir, writeJsonl } from '../helpers/batch.js';

// --rpm 600 for 20 s against a simulator enforcing the same limit in one-second slices
// (--burst 1s: any burst above 10 in a second is refused). Relay must reach the rate (within 3%)
// without a single 429. This is the one slow test of the batch suite (~20 s).

let strict: SpawnedSim;
let tokens: SpawnedSim;
beforeAll(async () => {
  [strict, tokens] = await Promise.all([spawnSim(['--rpm', '600', '--burst', '1s']), spawnSim(['--tpm', '1000'])]);
});
afterAll(async () => { await Promise.all([strict?.stop(), tokens?.stop()]); });

it('--rpm 600 for 20 s: achieved rate within 3% of the limit and zero 429s from a simulator enforcing it', async () => {
  const dir = tempDir();
  const input = writeJsonl(join(dir, 'in.jsonl'), prompts(200));
  const summaryFile = join(dir, 'summary.json');
  const t0 = performance.now();
  const r = await runRelay(['batch', input, '-o', join(dir, 'out.jsonl'), '--base-url', strict.url, '-m', 'gpt-4.1-mini',
    '--rpm', '600', '-c', '16', '--summary-json', summaryFile], { timeout: 60_000 });
  const wall = performance.now() - t0;
  expect(r.code).toBe(0);
  const stats = await simStats(strict.origin);
  expect(stats.rateLimited).toBe(0);
  expect(stats.byStatus['429']).toBeUndefined();
  expect(stats.chatRequests).toBe(200);
  const s = JSON.parse(readFileSync(summaryFile, 'utf8'));
  expect(s.requests).toBe(200);
  expect(Math.abs(s.achieved.requestsPerMin - 600) / 600).toBeLessThan(0.03);
  expect(wall).toBeGreaterThan(19_000); // paced, not sent in a burst
}, 60_000);

it('a request larger than a whole minute of --tpm completes, alone, with a warning naming its line', async () => {
  const dir = tempDir();
  const input = writeJsonl(join(dir, 'big.jsonl'), [{ id: 'big', prompt: 'Write a long essay about rivers.', max_tokens: 3000 }]);
  const out = join(dir, 'out.jsonl');
  const r = await runRelay(['batch', input, '-o', out, '--base-url', tokens.url, '-m', 'gpt-4.1-mini', '--tpm', '1000'], { timeout: 30_000 });
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/relay: warning: line 1 \(big\) reserves \d+ tokens, more than a whole minute of --tpm 1000; it runs alone/);
  expect(readOut(out)[0]!.response!.status_code).toBe(200);
  expect((await simStats(tokens.origin)).rateLimited).toBe(0);
});
