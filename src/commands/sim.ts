import type { Io } from '../cli/io.js';
import { registerSecret } from '../core/redact.js';
import { describeSettings, simOptionsFromFlags, type SimFlags } from '../sim/flags.js';
import { startSim } from '../sim/server.js';

// `relay sim`: start the simulator, print its base URL as the first stdout line (tests and
// scripts read it), describe it on stderr, and run until SIGINT or SIGTERM.

export async function sim(flags: SimFlags, io: Io): Promise<number> {
  const opts = simOptionsFromFlags(flags, io.env);
  registerSecret(opts.apiKey);
  // Listen for signals before the URL goes out: a reader may stop us the moment it sees it.
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const err = io.err;
  const server = await startSim({
    ...opts,
    log: flags.log ? (line) => io.stderr.write(`${line}\n`) : undefined,
  });

  const lines = [`relay sim: ${server.url}  ${describeSettings(server.profileSettings('default') ?? {})}`];
  for (const name of server.profileNames()) {
    if (name === 'default') continue;
    lines.push(`  ${name}: ${server.baseUrl(name)}  ${describeSettings(server.profileSettings(name) ?? {})}`);
  }
  if (opts.control) lines.push(err.dim(`  control: ${server.origin}/__sim/stats (loopback only)`));
  lines.push(err.dim(`  seed ${opts.seed}; Ctrl-C stops it`));
  io.stderr.write(`${lines.join('\n')}\n`);
  io.stdout.write(`${server.url}\n`);

  const got = await signal;
  await server.close();
  const total = server.stats().total;
  io.stderr.write(err.dim(`relay sim: stopped (${got}) after ${total.requests} requests\n`));
  return 0;
}
