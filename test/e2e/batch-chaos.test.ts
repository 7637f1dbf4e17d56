import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSim, type SpawnedSim } from '../helpers/sim.js';
import { runRelay } from '../helpers/relay.js';
import { idCounts, prompts, readOut, simStats, tempDir, writeJsonl } from '../helpers/batch.js';

// Chaos (issue 4): 2,000 lines against a simulator injecting 10% 429 (with retry-after), 5% 500,
// 2% connection resets and 1% stalls, with a short timeout. Every id must come out exactly once,
// and every attempt the server saw must be on some line's record.

let sim: SpawnedSim;
beforeAll(async () => {
  sim = await spawnSim(['--faults', '429=0.1,500=0.05,reset=0.02,stall=0.01', '--seed', '7', '--retry-after', '1']);
});
afterAll(async () => { await sim?.stop(); });

it('2,000 lines with faults: every id exactly once, successes + final errors = input, every attempt recorded', async () => {
  const dir = tempDir();
  const rows = prompts(2000);
  const input = writeJsonl(join(dir, 'in.jsonl'), rows);
  const out = join(dir, 'out.jsonl');
  const summaryFile = join(dir, 'summary.json');
  const r = await runRelay(['batch', input, '-o', out, '--base-url', sim.url, '-m', 'gpt-4.1-mini', '-c', '48',
    '--timeout', '2', '--max-error-rate', '0.1', '--summary-json', summaryFile], { timeout: 120_000 });
  expect(r.stderr).toMatch(/relay batch: [\d,]+ ok/);
  expect(r.code).toBe(0);

  const lines = readOut(out);
  const counts = idCounts(lines);
  expect(counts.size).toBe(2000);
  expect([...counts.values()].every((c) => c === 1)).toBe(true);
  expect(rows.every((x) => counts.has(x.id))).toBe(true);

  const ok = lines.filter((l) => l.error === null && l.response?.status_code === 200);
  const failed = lines.filter((l) => l.error !== null);
  expect(ok.length + failed.length).toBe(2000);
  // Resets after sending are not retried (R23): they are the failures, each marked as maybe billed.
  const resets = failed.filter((l) => l.error!.code === 'disconnect');
  expect(resets.length).toBeGreaterThan(10);
  expect(resets.every((l) => l.relay.unknown_outcome_attempts! >= 1)).toBe(true);
  for (const l of failed) expect(['disconnect', '429', '500', 'timeout']).toContain(l.error!.code);

  // What the server saw is exactly what the lines record.
  const stats = await simStats(sim.origin);
  const attempts = lines.reduce((a, l) => a + l.relay.attempts, 0);
  expect(attempts).toBe(stats.chatRequests);
  expect(stats.faults['429']).toBeGreaterThan(100);
  expect(stats.faults['500']).toBeGreaterThan(40);
  expect(stats.faults.stall).toBeGreaterThan(5);
  const timeouts = lines.flatMap((l) => l.relay.attempt_log ?? []).filter((a) => a.error === 'timeout').length;
  expect(timeouts).toBe(stats.faults.stall);

  const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  expect(summary.lines.ok).toBe(ok.length);
  expect(summary.lines.failed).toBe(failed.length);
  expect(summary.requests).toBe(stats.chatRequests);
}, 150_000);
