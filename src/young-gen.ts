import { createRequire } from 'node:module';

// relay bench takes its timestamps on the JavaScript thread, so every pause of the garbage
// collector lands inside the latencies it measures. Under load V8 grows the young generation to
// 16 MB, and collecting it then paused the thread 5-7 ms at 1,000 streamed requests/s: the p99
// of TTFT came out 7 ms high. Kept at its starting size it is collected more often, each time in
// under a millisecond. That costs CPU (about a tenth more per request flat out), so it is done for
// the open loop (--rate) only: there the rate is fixed and the driver has CPU to spare, and the
// accuracy at a rate is the point. A closed loop runs as fast as it can, and keeps V8's default.
// This has to run before the young generation grows, so it is the first module cli.ts loads.
const args = process.argv.slice(2);
const command = args.find((a) => !a.startsWith('-'));
if (command === 'bench' && args.some((a) => a === '--rate' || a.startsWith('--rate='))) {
  // node:v8 is loaded only here: importing it costs every other start-up about 2 ms.
  const v8 = createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
