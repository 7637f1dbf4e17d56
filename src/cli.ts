import './young-gen.js'; // first: see the file
import { Command, CommanderError } from 'commander';
import { EXIT, isRelayError } from './core/errors.js';
import { redact } from './core/redact.js';
import { makeStyle, wantsColor } from './output/style.js';
import type { Act, Io } from './cli/io.js';
import { relayVersion } from './version.js';
import { registerChat } from './cli/chat.js';
import { registerSim } from './cli/sim.js';
import { registerCost } from './cli/cost.js';
import { registerBatch } from './cli/batch.js';
import { registerBench } from './cli/bench.js';
import { registerRoute } from './cli/route.js';

// The only place that exits the process (DESIGN 1): commands return an exit code or throw.

const EXAMPLES = `
Examples:
  relay chat "Why is the sky blue?"             stream a reply (RELAY_BASE_URL, RELAY_API_KEY)
  relay models --json                           list the endpoint's models
  relay config                                  show the resolved configuration and its sources
  relay sim --port 8080 --ttft 200ms            OpenAI-compatible simulator on 127.0.0.1
  relay batch prompts.jsonl -o out.jsonl -c 16  run a JSONL file with limits, retries and resume
  relay bench --target a=http://127.0.0.1:8080/v1 -n 100   latency percentiles (TTFT, ITL, E2E...)
  relay cost --tokens 10M --mix deepseek-v3.2=70,gpt-4.1=30 monthly spend of a model mix
  relay route status                            health and latency of each endpoint of a route

Exit codes: 0 ok, 1 internal error, 2 usage, 3 configuration, 4 authentication, 5 API error,
6 network/timeout/truncated stream, 7 over a threshold you set (or a bench target that failed every request), 130 interrupted.
`;

let debug = process.argv.includes('--debug');

// A reader that stops early (`relay chat … | head -c 10`) closes our stdout: that is the user's
// choice, not an error. Leave quietly, without a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

async function finish(code: number): Promise<never> {
  // Let piped stdout/stderr drain before leaving; keep-alive sockets must not hold the process.
  const drain = (s: NodeJS.WriteStream) => new Promise<void>((r) => (s.writableNeedDrain ? s.once('drain', r) : r()));
  await Promise.all([drain(process.stdout), drain(process.stderr)]);
  process.exit(code);
}

const PATH_REASONS: Record<string, string> = {
  ENOENT: 'no such file or folder', ENOTDIR: 'a part of the path is not a folder', EISDIR: 'it is a folder',
  EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'read-only file system', ENAMETOOLONG: 'name too long', ELOOP: 'too many symbolic links',
};

/** A file or folder named on the command line that cannot be opened or made is the path's fault, not a bug. */
function pathProblem(err: NodeJS.ErrnoException): string | undefined {
  const reason = err.code && PATH_REASONS[err.code];
  if (!reason || !err.path || !err.syscall) return undefined;
  return `cannot ${err.syscall} ${err.path}: ${reason} (${err.code}); check the path`;
}

function printError(e: unknown): number {
  if (isRelayError(e)) {
    process.stderr.write(redact(`relay: ${e.message}`) + '\n');
    if (debug && e.stack) process.stderr.write(redact(e.stack) + '\n');
    if (debug && e.cause instanceof Error) process.stderr.write(redact(`cause: ${e.cause.stack ?? e.cause.message}`) + '\n');
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  const bad = pathProblem(err);
  if (bad) {
    process.stderr.write(redact(`relay: ${bad}`) + '\n');
    if (debug) process.stderr.write(redact(err.stack ?? '') + '\n');
    return EXIT.usage;
  }
  process.stderr.write(redact(`relay: internal error: ${err.message}`) + '\n');
  if (debug) process.stderr.write(redact(err.stack ?? '') + '\n');
  else process.stderr.write('relay: this is a bug; run again with --debug and report the output (keys are redacted)\n');
  return EXIT.internal;
}

async function makeIo(noColor: boolean): Promise<Io> {
  const env = process.env;
  const [out, err] = await Promise.all([
    makeStyle(wantsColor(process.stdout, env, noColor)),
    makeStyle(wantsColor(process.stderr, env, noColor)),
  ]);
  return {
    stdout: process.stdout, stderr: process.stderr, stdin: process.stdin,
    env, cwd: process.cwd(), debug, out, err, noColor,
  };
}

const program = new Command('relay');

const act: Act = (fn) => async (...args: unknown[]) => {
  const cmd = args[args.length - 1] as Command;
  const globals = cmd.optsWithGlobals() as { debug?: boolean; color?: boolean };
  debug = Boolean(globals.debug);
  let code = 0;
  try {
    const io = await makeIo(globals.color === false);
    code = (await fn(io, ...args)) ?? 0;
  } catch (e) {
    code = printError(e);
  }
  await finish(code);
};

program
  .name('relay')
  .description('Chat, batch, benchmark and cost tool for OpenAI-compatible endpoints and relays.')
  .version(relayVersion(), '-V, --version')
  .option('--debug', 'show requests, responses (keys redacted) and stack traces')
  .option('--no-color', 'never colour the output (NO_COLOR and FORCE_COLOR are honoured too)')
  .addHelpText('after', EXAMPLES)
  .showSuggestionAfterError(true)
  .exitOverride()
  .configureOutput({
    outputError: (str, write) => write(`relay: ${str.replace(/^error: /, '')}`),
  });

registerChat(program, act);
registerSim(program, act);
registerCost(program, act);
registerBatch(program, act);
registerBench(program, act);
registerRoute(program, act);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    const ok = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help';
    await finish(ok ? 0 : EXIT.usage);
  }
  await finish(printError(e));
}
