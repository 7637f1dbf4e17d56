import type { Command } from 'commander';
import type { Act, Io } from './io.js';
import { addRequestFlags } from './request-flags.js';

export function registerBatch(program: Command, act: Act): void {
  const batch = program
    .command('batch')
    .argument('<input>', 'JSONL file of requests, or - for stdin')
    .description('run a JSONL file of chat requests with limits, retries, dedup, a cache and resume; one result line per input line')
    .option('-o, --output <file>', 'result JSONL, appended line by line as each completes (default: stdout)')
    .option('-c, --concurrency <n>', 'requests in flight at most (default 16)')
    .option('--rpm <n>', 'requests per minute, paced in one-second slices')
    .option('--tpm <n>', 'tokens per minute (prompt estimate + n x max_tokens reserved per request)')
    .option('-s, --system <text>', 'system prompt for lines that have none')
    .option('--temperature <t>', 'temperature for lines that set none')
    .option('--max-tokens <n>', 'max_tokens for lines that set none')
    .option('--resume', 'continue: skip ids the -o file already holds as successes, run the rest')
    .option('--skip-failed', 'with --resume, also skip ids that failed before')
    .option('--overwrite', 'replace an existing -o file instead of refusing')
    .option('--ordered', 'write results in input order (through a bounded window)')
    .option('--errors <file>', 'also write this run\'s failed lines to FILE')
    .option('--no-dedup', 'send every line, identical ones too (default: identical requests go once per run)')
    .option('--cache <dir>', 'keep successful replies on disk and reuse them (files 0600)')
    .option('--cache-ttl <duration>', 'cache entries older than this are ignored: 30m, 12h, 7d')
    .option('--max-cost <usd>', 'stop scheduling new lines once the spend reaches this (exit 7, resumable)')
    .option('--max-error-rate <share>', 'exit 7 when the share of failed lines is above this: 0.05 or 5% (default 0)')
    .option('--prices <file>', 'price overrides (JSON) for cost figures')
    .option('--dry-run', 'send nothing: validate every line, estimate tokens and cost per model; exits 2 when some lines are invalid')
    .option('--grace <seconds>', 'after Ctrl-C or SIGTERM, how long in-flight requests may finish (default 10)')
    .option('--summary-json <file>', 'write the end-of-run summary as JSON')
    .option('--report <file>', 'write a CSV report (formula-safe), one row per line run in this invocation (with --resume, rows of earlier runs are not repeated)')
    .option('-q, --quiet', 'no progress and no summary on stderr')
    .addHelpText('after', `
Input lines (mixable): {"id": "q1", "prompt": "..."}, {"id": "q2", "messages": [...], "model": "..."},
or OpenAI Batch lines {"custom_id": "...", "method": "POST", "url": "/v1/chat/completions", "body": {...}}.
Ids must be unique. A line without one (or unreadable) is named line-<n> after its line number, or
line-<n>-auto when one of your own ids already is line-<n>.
Output lines follow the OpenAI Batch output shape plus a "relay" object:
  {"id", "custom_id", "response": {"status_code", "request_id", "body"} | null,
   "error": {"code", "message"} | null, "relay": {"attempts", "latency_ms", "endpoint", "tokens", "cost", ...}}
Requests are sent without streaming. Default retries in batch: 5.

Examples:
  relay batch prompts.jsonl -o out.jsonl -c 32 --rpm 600 --tpm 200000 -m gpt-4.1-mini
  relay batch prompts.jsonl -o out.jsonl --resume          continue after Ctrl-C or a crash
  relay batch prompts.jsonl --dry-run -m gpt-4.1-mini      tokens and cost estimate, nothing sent
  cat prompts.jsonl | relay batch - -m deepseek-v3.2 > out.jsonl

Exit: 0 all lines ok; 1 some lines were not run although nothing stopped the run (the input changed);
2 bad flags, duplicate ids, invalid lines with --dry-run, -o/--errors/--report naming the input (or each other), --resume onto a file
that is not relay output; 4 the key was refused (a 401 before any success stops the run; resume once it is fixed) or every
line got 401/403; 7 failures above --max-error-rate or --max-cost reached; 130 interrupted
(the resume command is printed).`);
  addRequestFlags(batch).action(act(async (io: Io, input: string, opts) => {
    const { batch: run } = await import('../commands/batch.js');
    return run({ ...opts, input }, io);
  }));
}
