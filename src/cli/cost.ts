import type { Command } from 'commander';
import type { Act, Io } from './io.js';

const HELP = `
Projection (what a model mix will cost):
  relay cost --tokens 10M --mix deepseek-v3.2=70,gpt-4.1=30
  relay cost --tokens 10M --mix deepseek-v3.2=70,gpt-4.1=30 --input-share 0.8 --cache-hit 0.5
  relay cost --requests 100k --in 500 --out 200 --per day --mix gpt-4.1-mini=80,gpt-4.1=20 --compare claude-sonnet-4-5

Actual spend (what a finished run cost), from relay batch output, chat --json documents, or JSON with per-request usage:
  relay cost --from out.jsonl --covers 1d          also projects a 30-day month of the same traffic
  relay batch in.jsonl | relay cost --from -

Prices:
  relay cost prices [filter] [--json|--csv]         the built-in list, each entry with its source and date
  --prices FILE or prices: in the config override or add models (USD per 1M tokens):
    { "my-model": { "input": 0.5, "cachedInput": 0.05, "output": 1.5, "batchDiscount": 0.5 } }

Rules: cost = uncached input x input + cached x cached input + output x output; cached tokens are part
of the prompt and reasoning tokens part of the output, each counted once. An unknown model is an error
(exit 2) naming the closest known ones, never a guessed price. Amounts: 250k, 10M, 1.5B. Money is exact
and printed to the cent (4 decimals below $1). A month is 30 days, a year 365.
`;

function addShared(cmd: Command): Command {
  return cmd
    .option('--prices <file>', 'JSON file of price overrides/additions (USD per 1M tokens)')
    .option('--config <file>', 'configuration file whose prices: apply (env RELAY_CONFIG; default: searched from the current folder)')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV (spreadsheet-safe)');
}

export function registerCost(program: Command, act: Act): void {
  const cost = program
    .command('cost')
    .description('project the spend of a model mix, or price a finished run, from dated list prices')
    .option('--tokens <amount>', 'tokens per period (250k, 10M, 1.5B)')
    .option('--requests <amount>', 'requests per period, with --in and --out')
    .option('--in <tokens>', 'average input tokens per request (with --requests)')
    .option('--out <tokens>', 'average output tokens per request (with --requests)')
    .option('--mix <model=pct,...>', 'models and their percent of the traffic; must add up to 100')
    .option('--compare <models>', 'also show "all MODEL" scenarios for these models (comma-separated)')
    .option('--input-share <fraction>', 'share of tokens that are input, 0..1 or 80% (default 0.75: 3 input tokens per output token); 0 prices everything as output')
    .option('--cache-hit <fraction>', "share of input served from the provider's cache (default 0)")
    .option('--batch-share <fraction>', 'share of traffic sent through batch APIs at their discount (default 0)')
    .option('--per <period>', 'period the amounts cover: day, month or year (default month)')
    .option('--from <file>', "price a finished run: relay batch output or chat --json documents ('-' for stdin)")
    .option('--model <name>', 'model for --from records that do not name one')
    .option('--covers <duration>', 'time the --from run covers (6h, 1d, 2w): adds a 30-day month projection')
    .option('--scale <factor>', 'multiply the --from spend to project a month, e.g. 30x')
    .option('--currency <code>', 'add a column converted to this currency (needs --fx)')
    .option('--fx <rate>', 'units of --currency per USD, given by you (relay never looks rates up)')
    .option('--explain', 'show the arithmetic of every line');
  addShared(cost)
    .addHelpText('after', HELP)
    .action(act(async (io: Io, flags: Record<string, unknown>) => {
      const { costCommand } = await import('../commands/cost.js');
      return costCommand(io, flags);
    }));

  addShared(cost.command('prices'))
    .description('list the known prices with their source and date (filter by name)')
    .argument('[filter]', 'part of a model name, alias or provider')
    .action(act(async (io: Io, filter: string | undefined, _flags: unknown, cmd: Command) => {
      const { costPricesCommand } = await import('../commands/cost.js');
      // The parent's --json/--csv/--prices also land here when written after `prices`.
      return costPricesCommand(io, filter, cmd.optsWithGlobals());
    }));
}
