import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSim, type SpawnedSim } from '../helpers/sim.js';
import { runRelay, startRelay } from '../helpers/relay.js';
import { countLines, idCounts, prompts, readOut, tempDir, until, writeJsonl } from '../helpers/batch.js';

// kill -9 part way, then --resume; three times in one test, then a resume to the end. A torn last
// line (what a kill during a write leaves) is planted once on top. The output must end with every
// input id exactly once.

let sim: SpawnedSim;
beforeAll(async () => { sim = await spawnSim(['--latency', '15ms']); });
afterAll(async () => { await sim?.stop(); });

it('kill -9 and --resume three times: every id exactly once, none lost, none duplicated', async () => {
  const dir = tempDir();
  const rows = prompts(1500);
  const input = writeJsonl(join(dir, 'in.jsonl'), rows);
  const out = join(dir, 'out.jsonl');
  const args = ['batch', input, '-o', out, '--base-url', sim.url, '-m', 'gpt-4.1-mini', '-c', '8', '-q'];
  const seen: number[] = [];
  for (let cycle = 1; cycle <= 3; cycle++) {
    const run = startRelay(cycle === 1 ? args : [...args, '--resume'], { timeout: 60_000 });
    const target = Math.min(cycle * 300, 1400);
    await until(() => countLines(out) >= target, `${target} lines in the output`);
    run.proc.kill('SIGKILL');
    const r = await run.done;
    expect(r.signal).toBe('SIGKILL');
    seen.push(countLines(out));
    if (cycle === 2) appendFileSync(out, '{"id":"batch_req_torn","custom_id":"q1499","response":{"status_co'); // a torn write
  }
  expect(seen[0]).toBeLessThan(seen[2]!);
  expect(seen[2]).toBeLessThan(1500);

  const last = await runRelay([...args, '--resume'], { timeout: 60_000 });
  expect(last.code).toBe(0);
  const text = readFileSync(out, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const lines = readOut(out); // throws on any torn or broken line
  expect(lines).toHaveLength(1500);
  const counts = idCounts(lines);
  expect(rows.every((x) => counts.get(x.id) === 1)).toBe(true);
  expect(lines.every((l) => l.error === null)).toBe(true);
}, 120_000);
