import { Option, type Command } from 'commander';
import { definitionLines } from '../bench/metrics.js';
import type { Act, Io } from './io.js';
import { addRequestFlags } from './request-flags.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const HELP = `
Metrics (times in ms; failed requests are counted as errors and never silently dropped):
${definitionLines().map((l) => `  ${l}`).join('\n')}

Load models:
  closed loop (default)  -c C requests in flight over all targets; -n N per target or --duration D
  open loop (--rate R)   R requests/s over all targets, constant or seeded Poisson arrivals; -c is the
                         cap on requests in flight (default 1000): a request held by it is sent late,
                         counted, and its wait is in the response time, never dropped

Targets: --target NAME=URL (repeatable) or --regions sg,de (config endpoints with region and via).
Requests to all targets are interleaved in a seeded order over shared connection pools. Targets of one
region with via direct and via relay (or named REGION-direct / REGION-relay) are compared as a pair:
p50 and p99 difference with a bootstrap 95% confidence interval.

Examples:
  relay bench --target sg-direct=http://127.0.0.1:8080/sg-direct/v1 --target sg-relay=http://127.0.0.1:8080/sg-relay/v1 -m sim-1 -n 200
  relay bench --regions sg,de --rate 20 --duration 60s --arrival poisson --seed 7 --json > run.json
  relay bench --target a=http://127.0.0.1:8080/v1 -m sim-1 --duration 30s --hdr-log logs/machine-1
  relay bench merge logs/machine-1 logs/machine-2      one report over both machines' samples
`;

export function registerBench(program: Command, act: Act): void {
  const bench = addRequestFlags(program.command('bench'))
    .description('latency benchmark: TTFB, TTFT, ITL, TPOT and E2E percentiles per target, direct vs relay')
    .option('--target <name=url>', 'a target to benchmark (repeatable), e.g. sg-relay=http://127.0.0.1:8080/v1', collect)
    .option('--regions <list>', 'benchmark the config endpoints of these regions, e.g. sg,de')
    .option('--route <name>', 'benchmark a config route as a whole, beside each of its endpoints alone')
    .option('-n, --requests <n>', 'measured requests per target (default 100)')
    .option('-d, --duration <time>', 'run for this long instead, e.g. 30s, 2m')
    .option('-c, --concurrency <n>', 'closed loop: requests in flight (default 4); open loop: the cap (default 1000)')
    .option('--rate <r>', 'open loop: requests per second over all targets')
    .addOption(new Option('--arrival <kind>', 'open loop arrivals').choices(['constant', 'poisson']))
    .option('--seed <n>', 'seed for target order, arrivals, prompt sampling and the bootstrap (default: random, printed)')
    .option('--warmup <n>', 'requests per target sent first, at the run\'s concurrency, kept out of the figures (default: enough to open the connections the run needs: -c of them, or one second of --rate)')
    .option('--prompt <text>', 'the prompt of every request')
    .option('--prompts <file>', 'JSONL of {"prompt"} or {"messages"} lines, sampled with the seed')
    .option('--input-tokens <n>', 'a synthetic prompt of about N tokens')
    .option('--max-tokens <n>', 'max_tokens of every request (default 128)')
    .option('--no-stream', 'non-streaming requests: TTFB and E2E only')
    .option('--json', 'write the report as one JSON document to stdout')
    .option('--csv <file>', 'write the summary as CSV')
    .option('--raw <file>', 'write one CSV row per request, streamed while it runs (at most 0.2 s behind; whole after Ctrl-C or SIGTERM)')
    .option('--hdr-log <dir>', 'write HdrHistogram interval logs (1 s) per target and metric, for relay bench merge')
    .option('--html <file>', 'write a self-contained HTML report')
    .option('--max-error-rate <share>', 'exit 7 when a target fails more often than this: 0.05 or 5%')
    .addHelpText('after', HELP)
    .action(act(async (io: Io, opts: Record<string, unknown>) => {
      const { bench: run } = await import('../commands/bench.js');
      await run(opts, io);
      return 0;
    }));

  bench.command('merge')
    .description('merge --hdr-log folders from several runs or machines into one report')
    .argument('<dirs...>', 'folders written by relay bench --hdr-log (or folders holding them)')
    .option('--json', 'write the report as one JSON document to stdout')
    .option('--csv <file>', 'write the summary as CSV')
    .option('--html <file>', 'write a self-contained HTML report')
    .option('--seed <n>', 'seed for the bootstrap intervals (default: the first run\'s)')
    .action(act(async (io: Io, dirs: string[], _opts: unknown, cmd: Command) => {
      // bench declares --json/--csv/--html/--seed too and commander hands them to the parent
      // wherever they stand on the line, so read them from both.
      const { json, csv, html, seed } = cmd.optsWithGlobals() as Record<string, string | boolean | undefined>;
      const { benchMerge } = await import('../commands/bench-merge.js');
      await benchMerge(dirs, { json: Boolean(json), csv: csv as string | undefined, html: html as string | undefined, seed: seed as string | undefined }, io);
      return 0;
    }));
}
