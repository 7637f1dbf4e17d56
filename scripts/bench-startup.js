// Start-up time of `relay --help` and `relay --version` against `node -e 0`, measured in the same
// run (median of N spawns each, interleaved so machine drift hits all alike). Prints ratios.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'relay.js');
const runs = Number(process.env.RUNS ?? 30);
const cases = {
  'node -e 0': ['-e', '0'],
  'relay --version': [bin, '--version'],
  'relay --help': [bin, '--help'],
  'relay chat --help': [bin, 'chat', '--help'],
};
const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < runs; i++) {
  for (const [name, args] of Object.entries(cases)) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${name} exited ${r.status}`);
    times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const base = median(times['node -e 0']);
console.log(`start-up, median of ${runs} spawns each:`);
for (const [name, t] of Object.entries(times)) {
  const m = median(t);
  console.log(`  ${name.padEnd(20)} ${m.toFixed(1).padStart(7)} ms   ${(m / base).toFixed(2)}x node -e 0   (+${(m - base).toFixed(1)} ms)`);
}
