import { setFlagsFromString } from 'node:v8';

// relay bench takes its timestamps on the JavaScript thread, so every pause of the garbage
// collector lands inside the latencies it measures. Under load V8 grows the young generation to
// 16 MB, and collecting it then paused the thread 5-7 ms at 1,000 streamed requests/s: the p99
// of TTFT came out 7 ms high. Kept at its starting size it is collected more often, each time in
// under a millisecond, and the CPU cost per request did not change measurably (npm run bench).
// This has to run before the young generation grows, so it is the first module cli.ts loads.
const command = process.argv.slice(2).find((a) => !a.startsWith('-'));
if (command === 'bench') setFlagsFromString('--semi-space-growth-factor=1');
