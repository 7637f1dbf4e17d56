// `npm run demo`: relay end to end against its own simulator, offline. Every step is a real
// bin/relay.js process; the simulator listens on 127.0.0.1 only and is stopped at the end.
import { spawn } from 'node:child_process';
import { startServer } from './server.js';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin/relay.js');
const out = join(root, '.relay-tmp', 'demo');
mkdirSync(out, { recursive: true });

if (!existsSync(join(root, 'dist/cli.js'))) {
  console.error('demo: dist/ is missing; run `npm ci` (it builds) or `npm run build` first');
  process.exit(1);
}

const startSim = (args) => startServer(process.execPath, [bin, 'sim', '--port', '0', ...args], { stderr: 'inherit' });

const bold = process.stderr.isTTY && !process.env.NO_COLOR ? (s) => `\x1b[1m${s}\x1b[0m` : (s) => s;

function relay(args, title) {
  console.error(`\n${bold(`$ relay ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`)}${title ? `   # ${title}` : ''}`);
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, RELAY_API_KEY: 'sk-demo-not-a-real-key-0000' } });
    p.on('close', (code) => resolve(code));
  });
}

/** The Portkey gateway, when installed (a dev dependency), forced onto 127.0.0.1. */
function startPortkey() {
  const entry = join(root, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  if (!existsSync(entry)) return Promise.resolve(undefined);
  const proc = spawn(process.execPath, ['--import', join(root, 'test/helpers/loopback-listen.mjs'), entry, '--port=0', '--headless'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  return new Promise((resolve) => {
    let err = '';
    const timer = setTimeout(() => { proc.kill(); resolve(undefined); }, 20_000);
    proc.on('exit', () => { clearTimeout(timer); resolve(undefined); });
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d) => {
      err += d;
      const m = /LISTENING (\d+)/.exec(err);
      if (m) { clearTimeout(timer); resolve({ url: `http://127.0.0.1:${m[1]}/v1`, stop: () => proc.kill('SIGTERM') }); }
    });
  });
}

const steps = [];
const sim = await startSim(['--latency', '40ms', '--ttft', '250ms', '--tps', '60', '--seed', '7',
  '--profiles', join(root, 'fixtures/demo/regions.json'),
  '--profile', 'batch=latency:20ms,ttft:40ms,tps:500,jitter:10ms,429:0.03,500:0.02']);
const origin = new URL(sim.url).origin;
const regions = ['sg', 'de', 'us-east', 'jp', 'au'];
const cleanup = () => { try { sim.proc.kill('SIGTERM'); } catch { /* already gone */ } };
process.on('SIGINT', () => { cleanup(); process.exit(130); });
try {
  console.error(`relay demo: simulator (simulated endpoint, not a real provider) at ${sim.url}`);
  steps.push(await relay(['chat', '--base-url', sim.url, '-m', 'sim-small', '--stats', '--max-tokens', '80',
    'Explain in two sentences what an LLM relay does.'], 'a reply streamed token by token, then the stats line'));
  // Piped, relay chat prints the reply exactly, without a closing newline: end the line here.
  if (!process.stdout.isTTY) process.stdout.write('\n');
  steps.push(await relay(['batch', join(root, 'fixtures/prompts.jsonl'), '--base-url', `${origin}/batch/v1`, '-m', 'gpt-4.1-mini',
    '-c', '32', '--max-tokens', '64', '-o', join(out, 'out.jsonl'), '--overwrite', '--report', join(out, 'report.csv')],
    'a JSONL file with retries (the simulator injects 3% 429s and 2% 500s), summary and CSV report'));
  console.error(`demo: results in ${join(out, 'out.jsonl')}, report in ${join(out, 'report.csv')}`);
  steps.push(await relay(['bench', '-m', 'gpt-4.1-mini', '-n', '15', '-c', '16', '--max-tokens', '16', '--seed', '7', '--warmup', '1',
    ...regions.flatMap((r) => ['--target', `${r}-direct=${origin}/${r}-direct/v1`, '--target', `${r}-relay=${origin}/${r}-relay/v1`]),
    '--html', join(out, 'bench.html')], 'five simulated regions, direct versus relay'));
  const gateway = await startPortkey();
  if (gateway) {
    try {
      console.error(`\ndemo: the Portkey AI gateway (a real relay, from node_modules) at ${gateway.url}, in front of the simulator`);
      steps.push(await relay(['bench', '-m', 'gpt-4.1-mini', '-n', '30', '-c', '4', '--max-tokens', '16', '--seed', '7',
        '--header', 'x-portkey-provider: openai', '--header', `x-portkey-custom-host: ${origin}/v1`,
        '--target', `local-direct=${origin}/v1`, '--target', `local-relay=${gateway.url}`],
        'direct to the simulator versus through the Portkey gateway: the gateway\'s own added latency'));
    } finally {
      gateway.stop();
    }
  }
  steps.push(await relay(['cost', '--tokens', '10M', '--mix', 'deepseek-v3.2=70,gpt-4.1=30', '--input-share', '0'],
    'the monthly bill of a 70/30 model mix, from dated list prices'));
} finally {
  cleanup();
}
const failed = steps.filter((c) => c !== 0).length;
console.error(failed ? `\nrelay demo: ${failed} step(s) failed` : '\nrelay demo: done');
process.exit(failed ? 1 : 0);
