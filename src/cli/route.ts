import type { Command } from 'commander';
import type { Act, Io } from './io.js';
import { addRequestFlags } from './request-flags.js';

export function registerRoute(program: Command, act: Act): void {
  const route = program
    .command('route')
    .description('routes across several endpoints: health, latency, breaker state')
    .addHelpText('after', `
A route is an ordered list of endpoints from the config (routes: { default: { endpoints: [a, b], strategy: latency } })
or --endpoint a,b,c on any command. Strategies: priority, latency (EWMA of first-token time, with exploration),
round-robin, cost (cheapest known price). Failures that are the endpoint's (timeouts, resets, 429, 5xx) fail over
at once to the next endpoint; the caller's (400, 401, 404) do not.

Example:
  relay route status --endpoint relay-sg,relay-jp,openai --json`);
  const status = route
    .command('status')
    .argument('[name]', 'route name from the config (default: the selected endpoints)')
    .description('probe each endpoint (GET /models) and print latency, health, models found and breaker state')
    .option('--probes <n>', 'probes per endpoint', '3')
    .option('--json', 'print JSON');
  addRequestFlags(status).action(act(async (io: Io, name: string | undefined, opts) => {
    const { routeStatus } = await import('../commands/route.js');
    return routeStatus({ ...opts, endpoint: name ?? opts.endpoint }, io);
  }));
}
