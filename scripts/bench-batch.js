// Batch benchmarks (issue 4), printed as ratios and never asserted. Needs a build (dist/).
//   node scripts/bench-batch.js [throughput] [memory] [limiter]      (default: all three)
// Environment: BENCH_BATCH_LINES (100000), BENCH_MEMORY_LINES (1000000), BENCH_CONCURRENCY (64).
//
// 1. Throughput: N lines through `relay batch -c 64` against `relay sim` with no delay, beside
//    autocannon's requests/s on the same simulator endpoint and the same request, in the same run
//    (autocannon for 5 s before and after relay; the better run is the baseline). Floor 0.6x.
// 2. Memory: a generated 1,000,000-line file through `relay batch`; peak RSS of the relay process
//    (getrusage maxRSS, read as it exits). Target: under 200 MB.
// 3. Limiter precision: --rpm 600, 6,000 and 60,000 for a few seconds each against a simulator
//    enforcing the same limit in one-second slices: achieved / requested, and its 429s.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { startServer } from './server.js';
import { stealMeter } from './steal.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const BIN = join(ROOT, 'bin/relay.js');
const MODEL = 'gpt-4.1-mini';

const startSim = (args = []) => startServer(process.execPath, [BIN, 'sim', '--port', '0', ...args]);

async function simStats(origin) {
  const r = await fetch(`${origin}/__sim/stats`);
  return (await r.json()).total;
}

function line(i) {
  return JSON.stringify({ id: `q${i}`, prompt: `Question ${i}: what is ${i} plus one? Answer briefly.`, max_tokens: 16 });
}

async function writeLines(path, n) {
  const out = createWriteStream(path);
  for (let i = 0; i < n;) {
    let s = '';
    for (let j = 0; j < 2000 && i < n; j++, i++) s += line(i) + '\n';
    if (!out.write(s)) await new Promise((r) => out.once('drain', r));
  }
  await new Promise((r) => out.end(r));
}

/** Runs relay batch; resolves with wall time, exit code, peak RSS (MB) and the summary JSON. */
function relayBatch(dir, args) {
  const probe = join(dir, 'maxrss.mjs');
  const rssFile = join(dir, `rss-${Date.now()}.txt`);
  writeFileSync(probe, `import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)));\n`);
  const summary = join(dir, `summary-${Date.now()}.json`);
  const t0 = performance.now();
  const proc = spawn(process.execPath, ['--import', probe, BIN, 'batch', ...args, '-q', '--summary-json', summary], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  return new Promise((res) => proc.on('exit', (code) => {
    const wallMs = performance.now() - t0;
    let peakMb = NaN;
    let s;
    try { peakMb = Number(readFileSync(rssFile, 'utf8')) / 1024; } catch { /* the probe did not run */ }
    try { s = JSON.parse(readFileSync(summary, 'utf8')); } catch { /* no summary */ }
    res({ code, wallMs, peakMb, summary: s, stderr: err });
  }));
}

// autocannon runs for a fixed time here: with a request count (`amount`) it only notices the end
// on its one-second tick, so its duration (and requests/s) came out rounded to whole seconds.
function cannon(url, seconds, connections) {
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Question 7: what is 7 plus one? Answer briefly.' }], max_tokens: 16, stream: false });
  return new Promise((res, rej) => autocannon({
    url: `${url}/chat/completions`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: seconds,
  }, (e, r) => (e ? rej(e) : res({ rps: r.requests.total / r.duration, non2xx: r.non2xx, errors: r.errors }))));
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function throughput(dir) {
  const n = Number(process.env.BENCH_BATCH_LINES ?? 100_000);
  const c = Number(process.env.BENCH_CONCURRENCY ?? 64);
  const input = join(dir, 'throughput.jsonl');
  await writeLines(input, n);
  const sim = await startSim();
  try {
    // Warm-up: the simulator's JIT needs tens of thousands of requests to settle; a cold first
    // round made autocannon's figure (and so the ratio) depend on the order of the runs.
    await cannon(sim.url, 3, c);
    const seconds = Number(process.env.BENCH_CANNON_SECONDS ?? 5);
    const steal = stealMeter();
    const a1 = await cannon(sim.url, seconds, c);
    const r = await relayBatch(dir, [input, '-o', join(dir, 'throughput.out'), '--base-url', sim.url, '-m', MODEL, '-c', String(c), '--overwrite']);
    const a2 = await cannon(sim.url, seconds, c);
    const base = Math.max(a1.rps, a2.rps); // the better of autocannon's runs: the ratio errs against relay
    const e2e = n / (r.wallMs / 1000);
    const steady = r.summary ? r.summary.lines.ok / (r.summary.wallMs / 1000) : NaN;
    console.log(`throughput: ${fmt(n)} lines, concurrency ${c}, simulator with no delay${steal()}`);
    console.log(`  autocannon            ${fmt(base)} req/s (runs: ${fmt(a1.rps)}, ${fmt(a2.rps)})`);
    console.log(`  relay batch, process  ${fmt(e2e)} lines/s  ratio ${(e2e / base).toFixed(2)}x  (start to exit: both passes over the file, ${fmt(r.wallMs / 1000, 1)} s)`);
    console.log(`  relay batch, sending  ${fmt(steady)} lines/s  ratio ${(steady / base).toFixed(2)}x  (runner only)   floor 0.60x`);
    if (r.code !== 0 || r.summary?.lines.ok !== n) console.log(`  note: exit ${r.code}, ${r.summary?.lines.ok} ok; ${r.stderr.trim().split('\n').pop()}`);
    return { lines: n, autocannonRps: base, relayLinesPerSec: e2e, relaySendingLinesPerSec: steady, ratio: e2e / base };
  } finally {
    sim.stop();
  }
}

async function memory(dir) {
  const n = Number(process.env.BENCH_MEMORY_LINES ?? 1_000_000);
  const input = join(dir, 'memory.jsonl');
  await writeLines(input, n);
  const sim = await startSim();
  try {
    const r = await relayBatch(dir, [input, '-o', join(dir, 'memory.out'), '--base-url', sim.url, '-m', MODEL, '-c', String(process.env.BENCH_CONCURRENCY ?? 64), '--overwrite']);
    console.log(`memory: ${fmt(n)} lines, peak RSS ${fmt(r.peakMb, 1)} MB (target < 200 MB), ${fmt(r.wallMs / 1000, 1)} s, exit ${r.code}, ${fmt(r.summary?.lines.ok ?? 0)} ok`);
    return { lines: n, peakRssMb: r.peakMb, wallMs: r.wallMs, exit: r.code };
  } finally {
    sim.stop();
    rmSync(input, { force: true });
    rmSync(join(dir, 'memory.out'), { force: true });
  }
}

async function limiter(dir) {
  const runs = [[600, 10], [6_000, 8], [60_000, 5]];
  const results = [];
  console.log('limiter precision: --rpm against a simulator enforcing the same limit (--burst 1s)');
  for (const [rpm, seconds] of runs) {
    const n = Math.round((rpm / 60) * seconds) + 1;
    const input = join(dir, `rpm-${rpm}.jsonl`);
    await writeLines(input, n);
    const sim = await startSim(['--rpm', String(rpm), '--burst', '1s']);
    try {
      const r = await relayBatch(dir, [input, '-o', join(dir, `rpm-${rpm}.out`), '--base-url', sim.url, '-m', MODEL, '--rpm', String(rpm), '-c', '256', '--overwrite']);
      const stats = await simStats(sim.origin);
      const achieved = r.summary.achieved.requestsPerMin;
      console.log(`  --rpm ${fmt(rpm).padStart(6)}: achieved ${fmt(achieved, 1).padStart(9)}/min  ratio ${(achieved / rpm).toFixed(3)}  over ${fmt(r.summary.wallMs / 1000, 1)} s, 429s from the simulator: ${stats.rateLimited}`);
      results.push({ rpm, achieved, ratio: achieved / rpm, rateLimited: stats.rateLimited });
    } finally {
      sim.stop();
    }
  }
  return results;
}

export async function benchBatch(which = ['throughput', 'memory', 'limiter']) {
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-batch-'));
  const out = {};
  try {
    if (which.includes('throughput')) out.throughput = await throughput(dir);
    if (which.includes('memory')) out.memory = await memory(dir);
    if (which.includes('limiter')) out.limiter = await limiter(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const which = process.argv.slice(2);
  await benchBatch(which.length ? which : undefined);
}
