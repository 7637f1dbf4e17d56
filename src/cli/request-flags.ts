import { Option, type Command } from 'commander';

// The request flags every command that sends requests shares (DESIGN 3).

export interface RequestFlags {
  baseUrl?: string;
  endpoint?: string;
  model?: string;
  apiKeyEnv?: string;
  header?: string[];
  timeout?: string;
  connectTimeout?: string;
  idleTimeout?: string;
  retries?: string;
  strategy?: string;
  streamOptions?: boolean;
  retryUnknown?: boolean;
  config?: string;
  probeInterval?: string;
  maxRetryWait?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addRequestFlags(cmd: Command): Command {
  return cmd
    .option('--base-url <url>', 'OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1 (env RELAY_BASE_URL)')
    .option('--endpoint <names>', 'endpoint name(s) from the config, comma-separated for a route')
    .option('-m, --model <name>', 'model name (config defaultModel)')
    .option('--api-key-env <var>', 'environment variable that holds the API key (default RELAY_API_KEY, then OPENAI_API_KEY)')
    .option('--header <header>', "extra request header 'Name: value' (repeatable)", collect)
    .option('--timeout <seconds>', 'deadline for one attempt, whole reply included (default 600)')
    .option('--connect-timeout <seconds>', 'TCP/TLS connect timeout (default 10)')
    .option('--idle-timeout <seconds>', 'longest silence allowed inside a reply body; keep-alives count as activity (default 0 = off)')
    .option('--retries <n>', 'retries after the first attempt (default 2; batch 5)')
    .addOption(new Option('--strategy <name>', 'routing strategy across several endpoints')
      .choices(['priority', 'latency', 'round-robin', 'cost']))
    .option('--max-retry-wait <seconds>', 'longest retry-after relay will wait; a server asking more fails at once (default 120)')
    .option('--probe-interval <seconds>', 'in a route, probe idle endpoints with GET /models this often (default off)')
    .option('--retry-unknown', 'also retry requests whose connection broke after they were sent (they may be billed twice)')
    .option('--config <file>', 'configuration file (env RELAY_CONFIG; default: searched from the current folder)')
    .option('--no-stream-options', 'do not send stream_options.include_usage (for servers that reject it)');
}
