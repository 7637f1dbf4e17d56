#!/usr/bin/env node
// Benchmarks of `relay bench` itself (issue 5): accuracy against relay sim's known timing, open-loop
// rate, a stall seen through coordinated omission, driver speed against autocannon and wrk, SSE
// events per second on one core, and peak memory over one million requests. Prints numbers,
// ratios and biases; asserts nothing. Build first (npm run build). Only loopback traffic.
//
//   node scripts/bench-bench.js [--quick] [--only accuracy,stall,speed,sse,memory] [--rates 10,100,1000]
//
// --quick shortens every run (5 s instead of 30 s; 100,000 requests instead of 1,000,000) and
// says so next to each figure. Processes are pinned with taskset when it exists: the driver on
// CPU 0, the server on CPU 1, so "one core" means one core.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './server.js';
import { stealMeter } from './steal.js';
import { requestTruth } from './truth.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const RELAY = join(ROOT, 'bin/relay.js');
const AUTOCANNON = join(ROOT, 'node_modules/autocannon/autocannon.js');
const WRK = '/usr/bin/wrk';
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const ONLY = (args[args.indexOf('--only') + 1] ?? '').split(',').filter((s) => args.includes('--only') && s);
const want = (name) => ONLY.length === 0 || ONLY.includes(name);
const RUN_S = QUICK ? 5 : 30;
const RATES = args.includes('--rates') ? args[args.indexOf('--rates') + 1].split(',').map(Number) : [10, 100, 1000];
const SPEED_S = QUICK ? 3 : 10;
const MEMORY_N = QUICK ? 100_000 : 1_000_000;
const work = mkdtempSync(join(tmpdir(), 'relay-bench-bench-'));
const TASKSET = existsSync('/usr/bin/taskset') && cpus().length >= 2;
const children = new Set();

// Peak RSS and CPU time of a child, written by the child itself when it exits.
const USAGE = join(work, 'usage.mjs');
writeFileSync(USAGE, `import { writeSync } from 'node:fs';
process.on('exit', () => { const u = process.resourceUsage();
  writeSync(2, '\\n@@usage ' + JSON.stringify({ maxRssKb: u.maxRSS, cpuS: (u.userCPUTime + u.systemCPUTime) / 1e6 }) + '\\n'); });\n`);

// A zero-delay endpoint that answers every POST with the same chat completion, as fast as one
// core allows: the drivers, not the server, should be the bottleneck in the speed comparison.
const CANNED = join(work, 'canned.cjs');
writeFileSync(CANNED, `const net = require('node:net');
const body = JSON.stringify({ id: 'chatcmpl-canned', object: 'chat.completion', created: 1, model: 'sim-1',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 8, completion_tokens: 1, total_tokens: 9 } });
const reply = Buffer.from('HTTP/1.1 200 OK\\r\\ncontent-type: application/json\\r\\ncontent-length: ' + Buffer.byteLength(body)
  + '\\r\\nkeep-alive: timeout=60\\r\\n\\r\\n' + body);
const server = net.createServer((s) => {
  s.setNoDelay(true);
  let buf = Buffer.alloc(0);
  s.on('error', () => {});
  s.on('data', (d) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    let n = 0;
    for (;;) {
      const end = buf.indexOf('\\r\\n\\r\\n');
      if (end < 0) break;
      const m = /content-length:\\s*(\\d+)/i.exec(buf.subarray(0, end).toString('latin1'));
      const size = end + 4 + (m ? Number(m[1]) : 0);
      if (buf.length < size) break;
      buf = buf.subarray(size);
      n++;
    }
    if (n) s.write(n === 1 ? reply : Buffer.concat(new Array(n).fill(reply)));
  });
});
server.listen(0, '127.0.0.1', () => console.log('http://127.0.0.1:' + server.address().port + '/v1'));\n`);

function pinned(cpu, cmd, argv) {
  return TASKSET && cpu !== undefined ? ['/usr/bin/taskset', ['-c', String(cpu), cmd, ...argv]] : [cmd, argv];
}

/** Starts a server that prints its base URL as the first stdout line, pinned to a CPU when asked. */
function server(argv, cpu) {
  const [cmd, a] = pinned(cpu, process.execPath, argv);
  return startServer(cmd, a, { onSpawn: (proc) => children.add(proc) });
}

/** Runs a command to the end; resolves with stdout, stderr and the child's own usage line. */
function run(cmd, argv, cpu) {
  const [c, a] = pinned(cpu, cmd, argv);
  const proc = spawn(c, a, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
  proc.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
  return new Promise((ok) => proc.once('close', (code) => {
    children.delete(proc);
    const m = /@@usage (\{.*\})/.exec(stderr);
    ok({ code, stdout, stderr, usage: m ? JSON.parse(m[1]) : undefined });
  }));
}

async function bench(argv, cpu) {
  const r = await run(process.execPath, ['--import', USAGE, RELAY, 'bench', '-m', 'sim-1', '--json', ...argv], cpu);
  if (!r.stdout.trim().startsWith('{')) throw new Error(`relay bench failed (${r.code}): ${r.stderr.slice(-600)}`);
  return { doc: JSON.parse(r.stdout), usage: r.usage };
}

const f = (v, d = 2) => (v === null || v === undefined ? '-' : Number(v).toFixed(d));
const sign = (v) => (v >= 0 ? '+' : '') + v.toFixed(2);
const label = (quick, full) => (QUICK ? quick : full);

/**
 * Resets the simulator's timing once bench's warm-up (one second of the rate, its default) has
 * arrived, so its truth is taken over the measured requests. Warm-up requests still streaming
 * then are counted too: about 0.12 s worth (2% of a --quick run at 1,000/s, 0.4% of a full one),
 * already past the cold start. Gives up when bench has ended.
 */
async function afterWarmup(origin, rate, ended) {
  for (let i = 0; i < 4000 && !ended(); i++) {
    const s = await (await fetch(`${origin}/__sim/stats`)).json();
    if (s.total.chatRequests >= rate) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  await fetch(`${origin}/__sim/stats/reset`, { method: 'POST' });
}

async function accuracy() {
  console.log(`\n## Accuracy and open-loop rate: relay sim --precise, TTFT 100 ms, 1000 tok/s, 16 tokens (plan: TTFT 100 ms, E2E 115 ms); ${RUN_S} s per rate${label(' (--quick)', '')}`);
  const sim = await server([RELAY, 'sim', '--port', '0', '--precise', '--ttft', '100ms', '--tps', '1000', '--reply-tokens', '16', '--seed', '1'], 1);
  const floor = await server([RELAY, 'sim', '--port', '0', '--precise', '--reply-tokens', '1'], 1);
  try {
    console.log('Truth, request by request: the simulator logs when each first token and last byte left (GET /__sim/requests), relay bench');
    console.log('logs each send and request id (--raw), on one clock. bias = reported percentile - true percentile; error = reported - true per request.');
    for (const rate of RATES) {
      await fetch(`${sim.origin}/__sim/stats/reset`, { method: 'POST' });
      const steal = stealMeter();
      const raw = join(work, `accuracy-${rate}.csv`);
      let ended = false;
      const pending = bench(['--target', `a=${sim.url}`, '--rate', String(rate), '--duration', `${RUN_S}s`, '--seed', '1', '--raw', raw], 0)
        .finally(() => { ended = true; });
      pending.catch(() => {}); // awaited below; a failure must not crash the script while it polls
      await afterWarmup(sim.origin, rate, () => ended); // the truth covers the measured requests, not the warm-up
      const { doc } = await pending;
      const stolen = steal();
      const served = (await (await fetch(`${sim.origin}/__sim/requests`)).json()).default ?? [];
      const truth = requestTruth(raw, served);
      const t = doc.targets[0];
      const err = ((doc.load.achievedRate - rate) / rate) * 100;
      console.log(`${rate}/s: achieved ${f(doc.load.achievedRate, 3)}/s (${sign(err)}%), ${t.requests} requests (+${t.warmup.requests} warm-up)${t.errors ? `, ${t.errors} errors` : ''}, `
        + `${truth.matched} of ${truth.measured} matched in the simulator's log, send lag p99 ${f(t.metrics.sendLag.p99)} ms${stolen}`);
      for (const [metric, plan] of [['ttft', 100], ['e2e', 115]]) {
        const m = t.metrics[metric];
        const tr = truth.truth[metric];
        const e = truth.error[metric];
        console.log(`  ${metric.toUpperCase().padEnd(4)} reported p50 ${f(m.p50)} p99 ${f(m.p99)} | true p50 ${f(tr.p50)} p99 ${f(tr.p99)} | `
          + `bias p50 ${sign(m.p50 - tr.p50)} p99 ${sign(m.p99 - tr.p99)} | error min ${sign(e.min)} p50 ${sign(e.p50)} p99 ${sign(e.p99)} max ${sign(e.max)} | vs plan p50 ${sign(m.p50 - plan)} p99 ${sign(m.p99 - plan)}`
          + ` | early ${truth.early[metric]}`);
      }
    }
    // What a zero-delay reply costs on this machine (loopback, HTTP, the simulator's own work):
    // part of every bias above, and not something a client can measure away.
    const { doc } = await bench(['--target', `floor=${floor.url}`, '-n', '500', '-c', '1', '--seed', '1'], 0);
    const m = doc.targets[0].metrics;
    console.log(`floor: a zero-delay streamed reply takes TTFT p50 ${f(m.ttft.p50)} ms, p99 ${f(m.ttft.p99)} ms on this machine (loopback + HTTP + simulator)`);
    // And how late an idle process on the driver's core wakes for a timer: noise no client can
    // measure away, and on a shared VM often as large as the p99 floor itself.
    const idle = await run(process.execPath, ['-e', `const { monitorEventLoopDelay } = require('node:perf_hooks');
const h = monitorEventLoopDelay({ resolution: 1 }); h.enable();
setTimeout(() => { h.disable(); console.log(JSON.stringify({ p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 })); }, 5000);`], 0);
    const d = JSON.parse(idle.stdout);
    console.log(`idle: a Node process doing nothing on the driver's core wakes for a 1 ms timer late by p50 ${f(d.p50 - 1)} ms, p99 ${f(d.p99 - 1)} ms, max ${f(d.max - 1)} ms (5 s)`);
  } finally {
    sim.stop();
    floor.stop();
  }
}

async function stall() {
  const seconds = QUICK ? 6 : 10;
  console.log(`\n## Open loop with a 2 s simulator stall in the middle: 100 req/s for ${seconds} s, concurrency cap 8`);
  const sim = await server([RELAY, 'sim', '--port', '0', '--latency', '5ms', '--seed', '1'], 1);
  try {
    const origin = new URL(sim.url).origin;
    const raw = join(work, 'stall.csv');
    const pending = bench(['--target', `a=${sim.url}`, '--rate', '100', '--duration', `${seconds}s`, '-c', '8', '--warmup', '0', '--seed', '1', '--raw', raw], 0);
    const half = (seconds * 100) / 2;
    for (let i = 0; i < 2000; i++) { // wait until half the requests were served, then stall the server
      const s = await (await fetch(`${origin}/__sim/stats`)).json();
      if (s.total.chatRequests >= half) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await fetch(`${origin}/__sim/pause`, { method: 'POST', body: JSON.stringify({ ms: 2000 }) });
    const { doc } = await pending;
    const t = doc.targets[0];
    const m = t.metrics;
    console.log(`scheduled ${seconds * 100}, sent ${doc.load.sent}, measured ${t.requests}, response-time samples ${m.responseTime.count}, errors ${t.errors}, held by the cap ${doc.load.delayedByCap}`);
    const rows = readFileSync(raw, 'utf8').split('\n').filter((l) => /^measure,/.test(l)).map((l) => l.split(','));
    const over = (pick) => rows.filter((c) => pick(c) > 500).length;
    const line = (name, s, n) => console.log(`${name} p50 ${f(s.p50)} ms, p90 ${f(s.p90)}, p95 ${f(s.p95)}, p99 ${f(s.p99)}, max ${f(s.max)}; ${n} of ${rows.length} requests over 500 ms`);
    line('response time (from the schedule):', m.responseTime, over((c) => Number(c[4]) - Number(c[3]) + Number(c[7])));
    line('service time (E2E from the send):  ', m.e2e, over((c) => Number(c[7])));
  } finally {
    sim.stop();
  }
}

async function speed() {
  const rounds = QUICK ? 1 : 3;
  console.log(`\n## Driver speed: non-streaming, zero-delay endpoint, 50 connections, ${SPEED_S} s per run, tools alternated over ${rounds} round(s) (median); driver on one core${TASKSET ? ' (taskset)' : ''}`);
  const canned = await server([CANNED], 1);
  const sim = await server([RELAY, 'sim', '--port', '0', '--reply-tokens', '1', '--seed', '1'], 1);
  const body = JSON.stringify({ model: 'sim-1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1, stream: false });
  const lua = join(work, 'post.lua');
  writeFileSync(lua, `wrk.method = "POST"\nwrk.body = '${body}'\nwrk.headers["content-type"] = "application/json"\n`);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  try {
    for (const [name, endpoint] of [['canned raw-TCP server', canned.url], ['relay sim', sim.url]]) {
      const url = `${endpoint}/chat/completions`;
      const rates = { relay: [], autocannon: [], wrk: [] };
      const cpu = { relay: [], autocannon: [] }; // µs of CPU per request, startup included: steadier than req/s on a shared machine
      let errors = 0;
      const steal = stealMeter();
      for (let r = 0; r < rounds; r++) {
        const rb = await bench(['--target', `a=${endpoint}`, '--no-stream', '-c', '50', '--duration', `${SPEED_S}s`, '--warmup', '50', '--seed', '1'], 0);
        const relay = rb.doc.targets[0];
        rates.relay.push(relay.throughput.requestsPerSec);
        cpu.relay.push(rb.usage ? (rb.usage.cpuS * 1e6) / (relay.requests + relay.warmup.requests) : NaN);
        errors += relay.errors;
        const ac = await run(process.execPath, ['--import', USAGE, AUTOCANNON, '-c', '50', '-d', String(SPEED_S), '-m', 'POST', '-H', 'content-type=application/json', '-b', body, '--json', url], 0);
        const acDoc = ac.code === 0 ? JSON.parse(ac.stdout) : undefined;
        rates.autocannon.push(acDoc ? acDoc.requests.average : NaN);
        cpu.autocannon.push(acDoc && ac.usage ? (ac.usage.cpuS * 1e6) / acDoc.requests.total : NaN);
        if (existsSync(WRK)) {
          const w = await run(WRK, ['-t1', '-c50', `-d${SPEED_S}s`, '-s', lua, url], 0);
          rates.wrk.push(Number(/Requests\/sec:\s*([\d.]+)/.exec(w.stdout)?.[1]));
        }
      }
      const [rb, ac, wk] = [median(rates.relay), median(rates.autocannon), existsSync(WRK) ? median(rates.wrk) : NaN];
      console.log(`${name}: relay bench ${f(rb, 0)} req/s (${errors} errors), autocannon ${f(ac, 0)} req/s, `
        + `wrk ${existsSync(WRK) ? `${f(wk, 0)} req/s` : 'skipped (no /usr/bin/wrk: apt-get install -y wrk)'}; runs: ${JSON.stringify(Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, v.map((x) => Math.round(x))])))}`);
      console.log(`  ratio relay/autocannon ${f(rb / ac)}x, relay/wrk ${existsSync(WRK) ? `${f(rb / wk)}x` : '-'}; `
        + `CPU per request: relay bench ${f(median(cpu.relay), 1)} µs, autocannon ${f(median(cpu.autocannon), 1)} µs (efficiency ratio ${f(median(cpu.autocannon) / median(cpu.relay))}x)${steal()}`);
    }
  } finally {
    canned.stop();
    sim.stop();
  }
}

async function sse() {
  console.log(`\n## Streaming: SSE events handled per second by relay bench on one core (${SPEED_S} s, 50 streams of 256 one-token chunks)`);
  const sim = await server([RELAY, 'sim', '--port', '0', '--reply-tokens', '256', '--seed', '1'], 1);
  try {
    const { doc, usage } = await bench(['--target', `a=${sim.url}`, '-c', '50', '--duration', `${SPEED_S}s`, '--max-tokens', '256', '--warmup', '10', '--seed', '1'], 0);
    const t = doc.targets[0];
    const events = t.metrics.itl.count + t.ok; // one event per content chunk
    console.log(`${f(events / doc.durationS, 0)} content events/s (${t.ok} streams, ${t.errors} errors), driver CPU ${usage ? f((usage.cpuS / doc.durationS) * 100, 0) : '-'}% of one core; `
      + `the 1000 req/s accuracy run above handles ${16 * 1000} events/s`);
  } finally {
    sim.stop();
  }
}

async function memory() {
  console.log(`\n## Memory: ${MEMORY_N.toLocaleString('en-US')} requests${label(' (--quick: a shorter run, not extrapolated)', '')}, non-streaming, -c 50, with --raw and --hdr-log`);
  const canned = await server([CANNED], 1);
  try {
    const started = performance.now();
    const { doc, usage } = await bench(['--target', `a=${canned.url}`, '--no-stream', '-c', '50', '-n', String(MEMORY_N), '--warmup', '50', '--seed', '1',
      '--raw', join(work, 'memory-raw.csv'), '--hdr-log', join(work, 'memory-logs')], 0);
    const t = doc.targets[0];
    console.log(`${t.requests.toLocaleString('en-US')} requests (${t.errors} errors) in ${f((performance.now() - started) / 1000, 1)} s: peak RSS ${usage ? f(usage.maxRssKb / 1024, 1) : '-'} MB (floor 150 MB)`);
  } finally {
    canned.stop();
  }
}

const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
console.log(`# relay ${version} bench benchmarks: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}${QUICK ? ', --quick' : ''}`);
if (spawnSync(process.execPath, [RELAY, '--version']).status !== 0) {
  console.log('relay is not built: run npm run build first');
  process.exit(1);
}
const sections = { accuracy, stall, speed, sse, memory };
try {
  for (const [name, fn] of Object.entries(sections)) {
    if (!want(name)) continue;
    try {
      await fn();
    } catch (e) {
      console.log(`${name}: failed: ${e.message}`);
    }
  }
} finally {
  for (const c of children) c.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}
