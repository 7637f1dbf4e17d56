import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSim, type SpawnedSim } from '../helpers/sim.js';
import { startRelay } from '../helpers/relay.js';
import { countLines, idCounts, prompts, readOut, tempDir, until, writeJsonl } from '../helpers/batch.js';

// Issue 6: kill one simulator in the middle of a 2,000-line batch sent through a route of two.
// No line may fail; the failovers are recorded on the lines with their switchover time.

let a: SpawnedSim;
let b: SpawnedSim;
beforeAll(async () => { [a, b] = await Promise.all([spawnSim(['--latency', '5ms', '--seed', '1']), spawnSim(['--latency', '5ms', '--seed', '2'])]); });
afterAll(async () => { await Promise.all([a?.stop(), b?.stop()]); });

it('a simulator killed mid-batch: no line fails, failovers recorded, switchover under 100 ms', async () => {
  const dir = tempDir('relay-route-batch-');
  writeFileSync(join(dir, 'relay.config.json'), JSON.stringify({
    defaultModel: 'gpt-4.1-mini',
    endpoints: { a: { baseUrl: a.url }, b: { baseUrl: b.url } },
    routes: { pair: { endpoints: ['a', 'b'], strategy: 'round-robin' } },
  }));
  const rows = prompts(2000);
  const input = writeJsonl(join(dir, 'in.jsonl'), rows);
  const out = join(dir, 'out.jsonl');
  const run = startRelay(['batch', input, '-o', out, '--endpoint', 'pair', '-c', '16', '--summary-json', join(dir, 'summary.json')], { cwd: dir, timeout: 90_000 });
  await until(() => countLines(out) >= 600, '600 lines in the output');
  a.proc.kill('SIGKILL');
  const r = await run.done;
  expect(r.stderr).not.toMatch(/failed \([a-z]/);
  expect(r.code).toBe(0);

  const lines = readOut(out);
  expect(lines).toHaveLength(2000);
  const counts = idCounts(lines);
  expect(rows.every((x) => counts.get(x.id) === 1)).toBe(true);
  expect(lines.filter((l) => l.error !== null)).toEqual([]);

  const failovers = lines.flatMap((l) => (l.relay.failovers ?? []) as Array<{ from: string; to: string; reason: string; switchMs: number }>);
  expect(failovers.length).toBeGreaterThan(0);
  for (const f of failovers) {
    expect(f).toMatchObject({ from: 'a', to: 'b' });
    expect(f.switchMs).toBeLessThan(100);
  }
  // After the kill, the dead endpoint's breaker keeps it out: late lines all went to b.
  expect(lines.slice(-200).every((l) => l.relay.endpoint === 'b')).toBe(true);
  // The summary shows requests per endpoint and breaker openings.
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  expect(summary.endpoints.a.failoversFrom).toBe(failovers.length);
  expect(summary.endpoints.a.breakerOpenings).toBeGreaterThanOrEqual(1);
  expect(summary.endpoints.a.lines + summary.endpoints.b.lines).toBe(2000);
  expect(r.stderr).toMatch(/endpoints: a [\d,]+ lines, \d+ failovers away, breaker opened \d+x; b [\d,]+ lines/);
}, 120_000);
