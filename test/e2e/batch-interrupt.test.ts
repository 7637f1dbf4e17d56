import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSim, type SpawnedSim } from '../helpers/sim.js';
import { startRelay } from '../helpers/relay.js';
import { prompts, readOut, simStats, tempDir, until, writeJsonl } from '../helpers/batch.js';

// Ctrl-C (issue 4, shared cases R22 and R37): stop scheduling, give in-flight requests --grace
// seconds, abort the rest, flush what completed, print the resume command, exit 130. A second
// Ctrl-C aborts at once; a Ctrl-C during a retry wait ends the wait at once.

let sim: SpawnedSim;
beforeAll(async () => {
  sim = await spawnSim(['--profile', 'limited=fault-script:ok/ok/429*50,retry-after:20', '--profile', 'slow=latency:30s']);
});
afterAll(async () => { await sim?.stop(); });

const closed = (run: ReturnType<typeof startRelay>) => run.done.then((r) => ({ ...r, at: performance.now() }));

it('R22: Ctrl-C while lines wait to retry exits within 1 s with 130, sends nothing more, keeps the finished lines', async () => {
  const dir = tempDir();
  const out = join(dir, 'out.jsonl');
  const input = writeJsonl(join(dir, 'in.jsonl'), prompts(5));
  const run = startRelay(['batch', input, '-o', out, '--base-url', sim.baseUrl('limited'), '-m', 'gpt-4.1-mini', '-c', '3', '--retries', '15']);
  await until(async () => (await simStats(sim.origin, 'limited')).chatRequests >= 5, 'two successes and three 429s');
  const sent = (await simStats(sim.origin, 'limited')).chatRequests;
  const t = performance.now();
  run.proc.kill('SIGINT');
  const r = await closed(run);
  expect(r.at - t).toBeLessThan(1000);
  expect(r.code).toBe(130);
  expect((await simStats(sim.origin, 'limited')).chatRequests).toBe(sent);
  // The two requests that reached the server first got its two successes: with -c 3 on three new
  // connections, which lines those are depends on arrival order, not on input order.
  const written = readOut(out);
  expect(written.map((l) => l.response?.status_code)).toEqual([200, 200]);
  expect(new Set(written.map((l) => l.custom_id)).size).toBe(2);
  expect(r.stderr).toMatch(/relay: interrupted: 2 lines written this run, 3 not run \(3 were waiting to retry or for the rate limit\); resume with: relay batch .*in\.jsonl -o .*out\.jsonl .*--resume/);
  expect(r.stderr).toMatch(/ 5 requests \(0 retries\) in /); // the cancelled retries were never sent
});

it('R37: in-flight requests get the grace period, are then aborted (the server sees it), and exit is 130', async () => {
  const dir = tempDir();
  const input = writeJsonl(join(dir, 'in.jsonl'), prompts(4));
  const before = (await simStats(sim.origin, 'slow')).disconnects;
  const run = startRelay(['batch', input, '-o', join(dir, 'out.jsonl'), '--base-url', sim.baseUrl('slow'), '-m', 'gpt-4.1-mini', '--grace', '1']);
  await until(async () => (await simStats(sim.origin, 'slow')).inFlight >= 4, 'four requests in flight');
  const t = performance.now();
  run.proc.kill('SIGINT');
  const r = await closed(run);
  expect(r.code).toBe(130);
  expect(r.at - t).toBeGreaterThan(900);
  expect(r.at - t).toBeLessThan(5000);
  expect(r.stderr).toMatch(/relay: stopping: no new lines; 4 in flight get 1 s to finish \(Ctrl-C again to stop them now\)/);
  await until(async () => (await simStats(sim.origin, 'slow')).disconnects >= before + 4, 'the server to see four disconnects', 2000);
  expect(readFileSync(join(dir, 'out.jsonl'), 'utf8')).toBe('');
});

it('a second Ctrl-C aborts at once instead of waiting out the grace period', async () => {
  const dir = tempDir();
  const input = writeJsonl(join(dir, 'in.jsonl'), prompts(2));
  const run = startRelay(['batch', input, '-o', join(dir, 'out.jsonl'), '--base-url', sim.baseUrl('slow'), '-m', 'gpt-4.1-mini', '--grace', '60']);
  await until(async () => (await simStats(sim.origin, 'slow')).inFlight >= 2, 'two requests in flight');
  run.proc.kill('SIGINT');
  await until(() => run.stderr().includes('relay: stopping'), 'the first Ctrl-C to be acknowledged', 5000);
  const t = performance.now();
  run.proc.kill('SIGINT');
  const r = await closed(run);
  expect(r.code).toBe(130);
  expect(r.at - t).toBeLessThan(2000);
  expect(r.stderr).toMatch(/relay: stopping now/);
});

it('SIGTERM (timeout, docker stop) stops like Ctrl-C: grace period, summary, resume command, 130; a repeat is ignored', async () => {
  const dir = tempDir();
  const out = join(dir, 'out.jsonl');
  const input = writeJsonl(join(dir, 'in.jsonl'), prompts(3));
  const run = startRelay(['batch', input, '-o', out, '--base-url', sim.baseUrl('slow'), '-m', 'gpt-4.1-mini', '--grace', '1']);
  await until(async () => (await simStats(sim.origin, 'slow')).inFlight >= 3, 'three requests in flight');
  const t = performance.now();
  run.proc.kill('SIGTERM');
  await until(() => run.stderr().includes('relay: stopping (SIGTERM)'), 'the signal to be acknowledged', 5000);
  run.proc.kill('SIGTERM'); // GNU timeout signals the process, then its whole group
  const r = await closed(run);
  expect(r.signal).toBeNull(); // it exited by itself, not killed by the repeat
  expect(r.code).toBe(130);
  expect(r.at - t).toBeGreaterThan(900); // the grace period was given, not cut short
  expect(r.stderr).toMatch(/relay: stopping \(SIGTERM\): no new lines; 3 in flight get 1 s to finish/);
  expect(r.stderr).toMatch(/relay: interrupted: .*resume with: relay batch .*--resume/);
  expect(r.stderr).not.toMatch(/stopping now/);
});
