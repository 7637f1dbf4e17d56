import { existsSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRaw, summaryFromRows } from '../helpers/bench.js';
import { spawn } from 'node:child_process';
import { cleanEnv, runRelay, startRelay } from '../helpers/relay.js';
import { RELAY_BIN, spawnSim, type SpawnedSim } from '../helpers/sim.js';

// relay bench end to end: the real CLI against real `relay sim` processes on loopback.
// Timing assertions are about order and sign with wide margins, never about wall-clock speed.

const dir = mkdtempSync(join(tmpdir(), 'relay-bench-e2e-'));
let sim: SpawnedSim;

beforeAll(async () => {
  sim = await spawnSim([
    '--seed', '3', '--log',
    '--profile', 'sg-direct=latency:45ms,ttft:15ms',
    '--profile', 'sg-relay=latency:5ms,ttft:15ms',
    '--profile', 'de-direct=latency:5ms,ttft:15ms',
    '--profile', 'de-relay=latency:45ms,ttft:15ms',
    '--profile', 'flaky=500:0.06,truncate:0.02,reset:0.02',
    '--profile', 'fast=latency:3ms',
    '--profile', 'timed=latency:2ms,ttft:10ms,tps:2000',
  ]);
});
afterAll(async () => {
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const t = (name: string) => `--target=${name}=${sim.baseUrl(name)}`;
const file = (name: string) => join(dir, name);

/** Resolves once `path` holds `n` whole measured rows (watched, not polled). */
async function rowsOnDisk(path: string, n: number): Promise<void> {
  const has = () => existsSync(path) && readFileSync(path, 'utf8').split('\n').slice(0, -1).filter((l) => l.startsWith('measure,')).length >= n;
  if (has()) return;
  await new Promise<void>((resolve) => {
    const w = watch(join(path, '..'), () => {
      if (!has()) return;
      w.close();
      resolve();
    });
    if (has()) {
      w.close();
      resolve();
    }
  });
}

describe('relay bench', () => {
  it('--help gives every metric definition on one line', async () => {
    const r = await runRelay(['bench', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  TTFT: request sent -> first chunk carrying content or reasoning (role-only chunks do not count)\n');
    expect(r.stdout).toContain('  ITL: gap between consecutive content chunks, one sample per gap (the wait for the first chunk is TTFT, not ITL)\n');
    expect(r.stdout).toContain('  TPOT: (E2E - TTFT) / (output tokens - 1), as vLLM defines it');
    for (const label of ['TTFB', 'E2E', 'Response time', 'Send lag']) expect(r.stdout).toMatch(new RegExp(`^  ${label}: .+$`, 'm'));
  });

  it('pairs have the right sign; --json, --raw, --csv and --html carry the run', async () => {
    const r = await runRelay(['bench', t('sg-direct'), t('sg-relay'), t('de-direct'), t('de-relay'), '-m', 'sim-1', '-n', '25', '-c', '4',
      '--seed', '11', '--json', '--raw', file('pairs-raw.csv'), '--csv', file('pairs.csv'), '--html', file('pairs.html')]);
    expect(r.stderr).not.toMatch(/relay: /);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.seed).toBe(11);
    expect(doc.relay.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(doc.config).toMatchObject({ model: 'sim-1', requestsPerTarget: 25, concurrency: 4, stream: true });
    expect(doc.targets.map((x: { name: string }) => x.name)).toEqual(['sg-direct', 'sg-relay', 'de-direct', 'de-relay']);
    for (const target of doc.targets) {
      // relay sim marks its replies (x-relay-sim), so these targets are labelled simulated without any config.
      expect(target).toMatchObject({ requests: 25, errors: 0, url: sim.baseUrl(target.name), simulated: true });
      for (const m of ['ttfb', 'ttft', 'itl', 'tpot', 'e2e']) {
        for (const k of ['p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean']) expect(typeof target.metrics[m][k], `${target.name} ${m} ${k}`).toBe('number');
      }
      expect(target.metrics.ttft.p50).toBeGreaterThan(target.metrics.ttfb.p50);
      expect(target.metrics.e2e.p50).toBeGreaterThanOrEqual(target.metrics.ttft.p50);
    }
    const pair = (region: string) => doc.pairs.find((p: { region: string }) => p.region === region);
    const sg = pair('sg').metrics.ttft.p50;
    expect(sg.diffMs).toBeLessThan(-20);
    expect(sg.ci95[1]).toBeLessThan(0);
    expect(pair('sg').verdict).toMatch(/^sg: relay faster by \d+(\.\d+)? ms at p50, 95% CI /);
    const de = pair('de').metrics.ttft.p50;
    expect(de.diffMs).toBeGreaterThan(20);
    expect(de.ci95[0]).toBeGreaterThan(0);
    expect(pair('de').verdict).toMatch(/^de: relay slower by/);

    expect(r.stderr).toMatch(/Region\s+Direct p50\s+Relay p50\s+Improvement\s+Direct p99\s+Relay p99\s+Errors/);
    expect(r.stderr).toMatch(/TTFT distribution/);
    const raw = readRaw(file('pairs-raw.csv'));
    expect(raw.comments).toEqual(expect.arrayContaining(['# seed 11']));
    // Written last, once the replies have said so: both simulator targets are labelled simulated.
    expect(raw.comments.at(-1)).toMatch(/^# simulated targets .*: sg-direct, sg-relay, de-direct, de-relay$/);
    // The header is written before any reply: it does not call them real.
    expect(raw.comments.find((c) => c.startsWith('# config '))).not.toMatch(/"simulated":false/);
    expect(raw.comments.some((c) => c.startsWith('# relay ') && c.includes(doc.relay.version))).toBe(true);
    expect(raw.rows.filter((x) => x.phase === 'measure')).toHaveLength(100);
    expect(raw.rows.filter((x) => x.phase === 'warmup')).toHaveLength(8);
    expect(summaryFromRows(raw.rows.filter((x) => x.target === 'sg-relay'), 'ttft')).toEqual(doc.targets[1].metrics.ttft);
    expect(readFileSync(file('pairs.csv'), 'utf8')).toMatch(/^# seed 11$/m);
    const html = readFileSync(file('pairs.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('seed 11');
  });

  it('raw rows carry the server\'s request id and the send time on the wall clock: with relay sim\'s own times, every request\'s truth', async () => {
    const r = await runRelay(['bench', t('timed'), '-m', 'sim-1', '-n', '40', '-c', '4', '--warmup', '2', '--seed', '2', '--max-tokens', '8',
      '--json', '--raw', file('timed.csv')]);
    expect(r.code).toBe(0);
    const rows = readRaw(file('timed.csv')).rows.filter((x) => x.phase === 'measure');
    expect(rows).toHaveLength(40);
    // When each request's first token and last byte left the simulator, on the same clock.
    const served = (await (await fetch(`${sim.origin}/__sim/requests`)).json()) as Record<string, Array<{ id: string; firstTokenWriteMs: number; firstTokenMs: number; lastByteWriteMs: number; lastByteMs: number }>>;
    const byId = new Map(served.timed!.map((x) => [x.id, x]));
    for (const row of rows) {
      expect(row.requestId).toMatch(/^req_/);
      const truth = byId.get(row.requestId)!;
      expect(truth).toBeDefined();
      const ttft = truth.firstTokenMs - row.sentEpoch;
      const e2e = truth.lastByteMs - row.sentEpoch;
      expect(truth.firstTokenWriteMs - row.sentEpoch).toBeGreaterThanOrEqual(10); // the plan: 2 ms latency + 10 ms ttft, never less
      // A client cannot see a byte before its write began: the reported figure is never under
      // that (1 ms for the two processes' readings of the wall clock), and not far over the
      // write's end. The bounds differ because a busy machine can preempt the simulator mid-write.
      expect(row.ttft!).toBeGreaterThanOrEqual(truth.firstTokenWriteMs - row.sentEpoch - 1);
      expect(row.ttft! - ttft).toBeLessThan(50);
      expect(row.e2e!).toBeGreaterThanOrEqual(truth.lastByteWriteMs - row.sentEpoch - 1);
      expect(row.e2e! - e2e).toBeLessThan(50);
    }
  });

  it('a target failing 10% of the time: ~10% errors by code, each counted, none dropped', async () => {
    const r = await runRelay(['bench', t('flaky'), '-m', 'sim-1', '-n', '300', '-c', '8', '--warmup', '0', '--seed', '4', '--json', '--raw', file('flaky.csv')]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const target = doc.targets[0];
    const stats = await (await fetch(`${sim.origin}/__sim/stats`)).json() as { profiles: Record<string, { faults: Record<string, number> }> };
    const faults = stats.profiles.flaky!.faults;
    const injected = (faults['500'] ?? 0) + (faults.truncate ?? 0) + (faults.reset ?? 0);
    expect(target.requests).toBe(300);
    expect(target.errors).toBe(injected);
    expect(target.errorRate).toBeGreaterThan(0.05);
    expect(target.errorRate).toBeLessThan(0.16);
    expect(target.errorsByCode).toEqual(Object.fromEntries(Object.entries({ 500: faults['500'], truncated: faults.truncate, reset: faults.reset }).filter(([, v]) => v)));
    expect(target.ok + target.errors).toBe(target.requests);
    expect(target.metrics.e2e.count).toBe(target.ok);
    expect(target.metrics.failed.count).toBe(target.errors);
    const rows = readRaw(file('flaky.csv')).rows;
    expect(rows).toHaveLength(300);
    expect(rows.filter((x) => x.error !== '')).toHaveLength(target.errors);
    expect(r.stderr).toMatch(/flaky\*?\s+300\s+\d+\s+\d+ \((\d+\.\d)%\)/);
  });

  it('a target URL with user:password: the report, the CSV and the raw rows show the URL without them', async () => {
    const url = sim.baseUrl('sg-direct').replace('http://', 'http://ops:bench-pass-789@');
    const r = await runRelay(['bench', `--target=sg=${url}`, '-m', 'sim-1', '-n', '3', '-c', '1', '--warmup', '0', '--json', '--csv', file('userinfo.csv'), '--raw', file('userinfo-raw.csv')]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).targets[0].url).toBe(sim.baseUrl('sg-direct'));
    for (const text of [r.stdout, r.stderr, readFileSync(file('userinfo.csv'), 'utf8'), readFileSync(file('userinfo-raw.csv'), 'utf8')]) {
      expect(text).not.toContain('bench-pass-789');
    }
  });

  it('--max-error-rate reads 0.02 and 2% alike (exit 7 over it, with the report still out), and refuses a bare 2', async () => {
    const args = [t('flaky'), '-m', 'sim-1', '-n', '60', '-c', '4', '--warmup', '0', '--seed', '4', '--json'];
    for (const share of ['0.02', '2%']) {
      const r = await runRelay(['bench', ...args, '--max-error-rate', share]);
      expect(r.code, share).toBe(7);
      expect(JSON.parse(r.stdout).targets[0].errors).toBeGreaterThan(1); // the report is out before the verdict
      expect(r.stderr.trim().split('\n').pop()).toMatch(/^relay: error rate over --max-error-rate 2%: flaky \d+\.\d%$/);
    }
    const loose = await runRelay(['bench', ...args, '--max-error-rate', '50%']);
    expect(loose.code).toBe(0);
    const bare = await runRelay(['bench', ...args, '--max-error-rate', '2']);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr.trim()).toBe('relay: --max-error-rate takes a fraction from 0 to 1 or a percentage (0.05 and 5% are the same), got "2"');
  });

  it('merge: logs of two runs give the report of one run over all samples', async () => {
    const runOnce = (n: string, seed: string) => runRelay(['bench', t('sg-direct'), t('sg-relay'), '-m', 'sim-1', '-n', '30', '-c', '6', '--seed', seed,
      '--json', '--hdr-log', file(`logs/${n}`), '--raw', file(`merge-${n}.csv`)]);
    const [one, two] = await Promise.all([runOnce('one', '1'), runOnce('two', '2')]);
    expect([one.code, two.code]).toEqual([0, 0]);
    const merged = await runRelay(['bench', 'merge', file('logs/one'), file('logs/two'), '--json']);
    expect(merged.code).toBe(0);
    const doc = JSON.parse(merged.stdout);
    const rows = [...readRaw(file('merge-one.csv')).rows, ...readRaw(file('merge-two.csv')).rows];
    for (const target of doc.targets) {
      const mine = rows.filter((x) => x.target === target.name);
      expect(target.requests).toBe(60);
      for (const m of ['ttfb', 'ttft', 'e2e'] as const) expect(target.metrics[m], `${target.name} ${m}`).toEqual(summaryFromRows(mine, m));
    }
    expect(merged.stderr).toMatch(/merged from 2 runs/);
    // One folder merged alone: the same figures as the run itself reported.
    const alone = JSON.parse((await runRelay(['bench', 'merge', file('logs/one'), '--json'])).stdout);
    expect(alone.targets).toEqual(JSON.parse(one.stdout).targets);
    expect(alone.pairs).toEqual(JSON.parse(one.stdout).pairs);
    // The same run given twice would double every sample: refused.
    const twice = await runRelay(['bench', 'merge', file('logs/one'), file('logs/one') + '/']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/given more than once/);
  });

  it('open loop: a server stall shows in the response time, every scheduled request is counted', async () => {
    const run = startRelay(['bench', t('fast'), '-m', 'sim-1', '--rate', '100', '-n', '150', '-c', '4', '--warmup', '0', '--seed', '5',
      '--json', '--raw', file('stall.csv')]);
    // Stall the simulator once 30 requests have been answered (it logs one stderr line per request).
    const before = sim.stderr().split('\n').length;
    await new Promise<void>((resolve) => {
      const onData = () => {
        if (sim.stderr().split('\n').length - before >= 30) {
          sim.proc.stderr!.off('data', onData);
          resolve();
        }
      };
      sim.proc.stderr!.on('data', onData);
    });
    await fetch(`${sim.origin}/__sim/pause`, { method: 'POST', body: JSON.stringify({ ms: 600, profile: 'fast' }) });
    const r = await run.done;
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const target = doc.targets[0];
    expect(doc.load).toMatchObject({ mode: 'open', rate: 100, sent: 150 });
    expect(doc.load.delayedByCap).toBeGreaterThan(10);
    expect(target.requests).toBe(150);
    expect(target.metrics.responseTime.count).toBe(150);
    expect(target.metrics.sendLag.count).toBe(150);
    expect(target.metrics.responseTime.p99).toBeGreaterThan(400);
    expect(target.metrics.e2e.p90).toBeLessThan(200);
    const rows = readRaw(file('stall.csv')).rows;
    const late = rows.filter((x) => x.sent - x.scheduled + x.e2e! > 300).length;
    const slow = rows.filter((x) => x.e2e! > 300).length;
    expect(late).toBeGreaterThan(20);
    expect(slow).toBeLessThanOrEqual(4); // only the requests in flight at the server when it stalled
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s (Ctrl-C; timeout or docker stop) stops the run at once: it reports what it measured, exits 130', async (signal) => {
    const raw = file(`${signal}.csv`);
    const run = startRelay(['bench', t('fast'), '-m', 'sim-1', '--duration', '60s', '-c', '4', '--warmup', '0', '--seed', '6', '--json', '--raw', raw]);
    const before = sim.stderr().split('\n').length;
    await new Promise<void>((resolve) => {
      const onData = () => {
        if (sim.stderr().split('\n').length - before >= 20) {
          sim.proc.stderr!.off('data', onData);
          resolve();
        }
      };
      sim.proc.stderr!.on('data', onData);
    });
    // Rows reach the disk while the run goes on, not only at its end.
    await rowsOnDisk(raw, 8);
    run.proc.kill(signal);
    const r = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/^relay: interrupted; the results so far were reported$/m);
    const doc = JSON.parse(r.stdout);
    expect(doc.interrupted).toBe(true);
    expect(doc.durationS).toBeLessThan(30);
    const target = doc.targets[0];
    expect(target.requests).toBeGreaterThanOrEqual(16);
    expect(target.errorsByCode).toEqual({}); // cut-off requests are not the endpoint's errors
    expect(readRaw(raw).rows).toHaveLength(target.requests);
  });

  it('a second Ctrl-C while the report drains into a slow pipe does not cut it', async () => {
    const raw = file('drain.csv');
    // 32 targets: a JSON report larger than a pipe's 64 KiB, so it waits for the reader.
    const targets = Array.from({ length: 32 }, (_, i) => `--target=t${i}=${sim.baseUrl('fast')}`);
    const proc = spawn(process.execPath, [RELAY_BIN, 'bench', ...targets, '-m', 'sim-1', '--duration', '60s', '-c', '4', '--warmup', '0', '--json', '--raw', raw],
      { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout.pause(); // a reader that is not reading yet
    let stderr = '';
    proc.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
    await rowsOnDisk(raw, 8);
    proc.kill('SIGINT');
    await new Promise<void>((resolve) => {
      const check = () => { if (/interrupted; the results so far were reported/.test(stderr)) resolve(); };
      proc.stderr.on('data', check);
      check();
    });
    proc.kill('SIGINT'); // the report is still in the pipe: an impatient second Ctrl-C
    let stdout = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stdout.resume();
    expect(await exited).toBe(130);
    expect(stdout.length).toBeGreaterThan(65_536);
    expect(JSON.parse(stdout).targets).toHaveLength(32);
  });

  it('--regions takes endpoints from the config and labels simulated ones', async () => {
    const cwd = mkdtempSync(join(dir, 'cfg-'));
    writeFileSync(join(cwd, '.relayrc.json'), JSON.stringify({
      defaultModel: 'sim-1',
      endpoints: {
        'sg-direct': { baseUrl: sim.baseUrl('sg-direct'), region: 'sg', via: 'direct', simulated: true },
        'sg-relay': { baseUrl: sim.baseUrl('sg-relay'), region: 'sg', via: 'relay', simulated: true },
        other: { baseUrl: sim.baseUrl('fast'), region: 'de', via: 'direct' },
      },
    }));
    const r = await runRelay(['bench', '--regions', 'sg', '-n', '8', '--seed', '1', '--json'], { cwd });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.targets.map((x: { name: string; simulated: boolean }) => [x.name, x.simulated])).toEqual([['sg-direct', true], ['sg-relay', true]]);
    expect(doc.pairs[0]).toMatchObject({ region: 'sg', direct: 'sg-direct', relay: 'sg-relay', simulated: true });
    expect(r.stderr).toMatch(/simulated targets: sg-direct, sg-relay/);
    expect(r.stderr).toContain('[simulated]');
    const bad = await runRelay(['bench', '--regions', 'mars', '-n', '1'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^relay: no configured endpoint has region mars; regions in the config: sg, de/m);
  });

  it('an output it could not write is refused before the run, in one line (exit 2), and nothing is sent', async () => {
    writeFileSync(file('plain-file'), 'x');
    const before = (await (await fetch(`${sim.origin}/__sim/stats`)).json()).total.chatRequests;
    for (const [flag, path, code] of [
      ['--hdr-log', '/proc/relay-no-such-folder', 'ENOENT'], // Node's recursive mkdir spun forever here
      ['--hdr-log', file('plain-file'), 'ENOTDIR'],
      ['--raw', file('missing/raw.csv'), 'ENOENT'],
      ['--csv', dir, 'EISDIR'],
      ['--html', file('plain-file/report.html'), 'ENOTDIR'],
    ]) {
      const r = await runRelay(['bench', t('fast'), '-m', 'x', '-n', '3', flag!, path!], { timeout: 20_000 });
      expect(r.code, `${flag} ${path}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`relay: cannot write ${flag} ${path}: ${code}; check the folder exists and is writable\n`);
    }
    expect((await (await fetch(`${sim.origin}/__sim/stats`)).json()).total.chatRequests).toBe(before);
  });

  it('usage errors and unreachable targets say what to do', async () => {
    const noModel = await runRelay(['bench', t('fast')]);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/^relay: bench needs a model: pass --model NAME/m);
    const badTarget = await runRelay(['bench', '--target', 'oops', '-m', 'x']);
    expect(badTarget.code).toBe(2);
    expect(badTarget.stderr).toMatch(/--target takes NAME=URL/);
    const down = await runRelay(['bench', '--target', 'gone=http://127.0.0.1:9/v1', '-m', 'x', '-n', '3', '--warmup', '0', '--json']);
    expect(down.code).toBe(6);
    expect(JSON.parse(down.stdout).targets[0]).toMatchObject({ requests: 3, errors: 3, errorsByCode: { ECONNREFUSED: 3 } });
    expect(down.stderr).toMatch(/^relay: every request failed \(ECONNREFUSED: 3\); check that the target URLs are reachable/m);
    // One dead target beside a live one: the report is written, and the exit code says it.
    const half = await runRelay(['bench', t('fast'), '--target', 'gone=http://127.0.0.1:9/v1', '-m', 'x', '-n', '3', '--warmup', '0', '--json']);
    expect(half.code).toBe(7);
    const doc = JSON.parse(half.stdout);
    expect(doc.targets.map((x: { name: string; ok: number }) => [x.name, x.ok])).toEqual([['fast', 3], ['gone', 0]]);
    expect(half.stderr).toMatch(/^relay: every request to gone \(ECONNREFUSED: 3\) failed, so it has no latency figures; the other targets were measured/m);
  });
});
