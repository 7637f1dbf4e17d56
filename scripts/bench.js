// `npm run bench`: every benchmark, each printing ratios against a peer measured in the same run.
//   npm run bench                      all of them (several minutes)
//   npm run bench -- startup batch     only these (startup, batch, bench)
// Arguments after the names go to each script, e.g. `npm run bench -- batch throughput`.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const scripts = { startup: 'bench-startup.js', batch: 'bench-batch.js', bench: 'bench-bench.js' };
const args = process.argv.slice(2);
const chosen = args.filter((a) => a in scripts);
const rest = args.filter((a) => !(a in scripts));
let failed = 0;
for (const name of chosen.length ? chosen : Object.keys(scripts)) {
  console.log(`\n=== ${name} (scripts/${scripts[name]}) ===`);
  const r = spawnSync(process.execPath, [join(here, scripts[name]), ...rest], { stdio: 'inherit' });
  if (r.status !== 0) { failed++; console.log(`${name}: exited ${r.status}`); }
}
process.exit(failed ? 1 : 0);
