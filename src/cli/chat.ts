import { Option, type Command } from 'commander';
import type { Act, Io } from './io.js';
import { addRequestFlags } from './request-flags.js';

export function registerChat(program: Command, act: Act): void {
  const chat = program
    .command('chat')
    .argument('[prompt...]', 'the question; stdin is read too when it is not a terminal')
    .description('stream a reply to stdout; with no prompt on a terminal, start a multi-turn session')
    .option('-s, --system <text>', 'system prompt')
    .option('--temperature <t>', 'sampling temperature')
    .option('--max-tokens <n>', 'longest reply in tokens')
    .option('--no-stream', 'wait for the whole reply instead of streaming it')
    .option('--json', 'print one JSON document: content, reasoning, tool calls, usage, cost, timings, endpoint')
    .addOption(new Option('--reasoning <mode>', 'reasoning tokens on stderr (dimmed) or not').choices(['show', 'hide']).default('show'))
    .option('--stats', 'print the stats line on stderr even when stderr is not a terminal')
    .addHelpText('after', `
Examples:
  relay chat "Why is the sky blue?"
  cat notes.txt | relay chat "summarise this" -m gpt-4.1-mini
  relay chat --json --no-stream "2+2?" | jq .usage
  relay chat                      # interactive: /model NAME, /system TEXT, /clear, /save FILE, /exit`);
  addRequestFlags(chat).action(act(async (io: Io, prompt: string[], opts) => {
    const { chat: run } = await import('../commands/chat.js');
    return run({ ...opts, prompt }, io);
  }));

  const models = program
    .command('models')
    .description('list the models an endpoint serves (GET /models)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  relay models --base-url http://127.0.0.1:8080/v1');
  addRequestFlags(models).action(act(async (io: Io, opts) => {
    const { models: run } = await import('../commands/models.js');
    return run(opts, io);
  }));

  const config = program
    .command('config')
    .description('print the resolved configuration and where each value came from (keys masked)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  RELAY_CONFIG=./relay.config.yaml relay config');
  addRequestFlags(config).action(act(async (io: Io, opts) => {
    const { showConfig } = await import('../commands/config.js');
    return showConfig(opts, io);
  }));
}
