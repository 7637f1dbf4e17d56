import { Option, type Command } from 'commander';
import type { Act } from './io.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const HELP = `
Durations: 40ms, 1.5s, 2m, 1m30s, 250us; a plain number is milliseconds.

Paths: POST /v1/chat/completions (streaming and not), GET /v1/models, GET /health.
  Each --profile NAME is served under /NAME/v1/... with its own timing, limits and faults.
  The first stdout line is the base URL (http://127.0.0.1:PORT/v1); everything else goes to stderr.

Replies: deterministic for --seed and the request's messages (same messages, same text, streamed
  or not); --reply-tokens long unless max_tokens / max_completion_tokens cuts them
  (finish_reason "length"); usage counts are exact for the reply, prompt tokens are estimated as
  3 + per message (4 + characters/4) (+ characters/4 of any tools). A request with
  "ignore_eos": true fills max_tokens. A request offering tools gets a tool call instead of text
  (the function tool_choice names, else the first), arguments filled from its schema,
  finish_reason "tool_calls".

Timing per request: --latency before the response headers (errors too), then --ttft before the
  first token chunk (a role-only chunk goes out with the headers), then one chunk every
  --chunk-tokens/--tps seconds. Non-streaming replies arrive when the last token would have.
  Deadlines come from the moment the headers went out, so lateness never accumulates; timers
  fire up to ~1 ms late (more on a busy machine); --precise spins the last millisecond instead.

Limits: --rpm/--tpm are buckets refilling at limit/60 per second and holding --burst worth
  (default 1m: the whole minute). A request costs prompt + n x max_tokens tokens, and what it did
  not use is given back when it ends. Every reply carries x-ratelimit-{limit,remaining,reset}-
  {requests,tokens}; over the limit: 429 rate_limit_exceeded with retry-after and retry-after-ms.

Faults (--faults KIND=SHARE,..., each the share of requests it hits; seeded by arrival order):
  429        429 rate_limit_exceeded with retry-after: --retry-after (default 1 s)
  500, 503   OpenAI-shaped server_error bodies (any status 400-599 works)
  quota      429 insufficient_quota (a client must not retry it)
  reset      the connection is destroyed after the request is read: no status line
  stall      the request is never answered (until the client goes away)
  truncate   half the reply, then a clean end without finish_reason or [DONE]
             (non-streaming: the JSON body is cut in the middle)
  error      streaming: data: {"error":{...,"type":"server_error"}} after half the reply;
             non-streaming: HTTP 500
--fault-script lists the outcomes of the first requests in order (ok = normal), then --faults
  applies: 429,ok  or  500*3,ok  (in a --profile: script:429/ok).

Profiles: --profile NAME=key:value,... with keys latency, ttft, tps, jitter, jitter-dist,
  chunk-tokens, keepalive, reply-tokens, reasoning, unicode, retry-after, rpm, tpm, burst, label, region,
  via, api-key, script, and fault kinds (500:0.1, reset:0.02). A profile starts from the plain
  timing and reply flags; faults, scripts and limits apply only where they are given.
  --profiles FILE: JSON {"profiles": {"sg-direct": {"latency": "215ms", "ttft": 300, "faults": "500=0.01"}}}

Control API (loopback clients only): GET /__sim/stats, POST /__sim/stats/reset,
  GET /__sim/profiles, POST /__sim/profile/NAME {"latency":"150ms"}, POST /__sim/pause {"ms":2000}.
  /__sim/stats also says how late streamed replies were written against their plan (timing: first
  token and last byte, per profile), so a client's latency figures can be checked against the truth.
  GET /__sim/requests lists each streamed reply (the last 200,000): its x-request-id and when the
  request was seen, the first token and the last byte left, in epoch ms (…WriteMs: when that write
  began); with the request_id and sent_epoch_ms columns of \`relay bench --raw\`, every request's
  true TTFT and E2E.

Examples:
  relay sim --port 8080 --ttft 200ms --tps 50
  relay sim --port 0 --latency 40ms --ttft 200ms --tps 50 --seed 7
  relay sim --profile sg-direct=latency:215ms,ttft:300ms,tps:50,region:sg,via:direct \\
            --profile sg-relay=latency:60ms,ttft:320ms,tps:50,region:sg,via:relay
  relay sim --faults 429=0.1,500=0.05,503=0.02,reset=0.02,stall=0.01,truncate=0.01,error=0.01 --seed 42
  relay sim --fault-script 429,ok --retry-after 1        one 429, then normal replies
  relay sim --rpm 600 --tpm 100000 --api-key sk-test-123456
  relay sim --reasoning 32 --reply-tokens 10-200 --unicode
  relay sim --pause-at 10s:2s                             stall arrivals for 2 s, 10 s after start
  relay sim --ttft 5s --keepalive 1s                      a long silence filled with SSE comments
`;

export function registerSim(program: Command, act: Act): void {
  program
    .command('sim')
    .description('run the built-in OpenAI-compatible simulator (timing, limits, faults, profiles)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('-p, --port <port>', 'port; 0 picks a free one', '8080')
    .option('--latency <duration>', 'wait before the response headers (network distance)')
    .option('--ttft <duration>', 'then wait before the first token chunk')
    .option('--tps <n>', 'then tokens per second; 0 = as fast as possible (default 0)')
    .option('--jitter <duration>', 'random extra latency per request, seeded (default 0)')
    .addOption(new Option('--jitter-dist <dist>', 'jitter distribution: uniform in [0, jitter] or half-normal with sd jitter')
      .choices(['uniform', 'normal']))
    .option('--chunk-tokens <n>', 'tokens per streamed chunk (default 1)')
    .option('--keepalive <duration>', 'send an SSE comment (: keep-alive) after this much silence in a stream')
    .option('--reply-tokens <n|a-b|max>', 'natural reply length: a number, a seeded range, or max = fill max_tokens (default 64)')
    .option('--reasoning [tokens]', 'emit reasoning_content before the content (default 16 tokens when given)')
    .option('--unicode', 'mix non-ASCII words (accents, Cyrillic, CJK, emoji) into replies')
    .option('--seed <n>', 'seed for replies, jitter and fault choice', '1')
    .option('--models <list>', 'models listed by /v1/models; other models then get 404 model_not_found')
    .option('--api-key <key>', 'require Authorization: Bearer KEY (env RELAY_SIM_API_KEY); never printed')
    .option('--rpm <n>', 'requests per minute limit')
    .option('--tpm <n>', 'tokens per minute limit (prompt + n x max_tokens per request)')
    .option('--burst <duration>', 'how much refill the rpm/tpm buckets hold (default 1m)')
    .option('--faults <list>', 'fault shares, e.g. 429=0.1,500=0.05,reset=0.02,stall=0.01,truncate=0.01,error=0.01')
    .option('--fault-script <steps>', 'outcomes of the first requests in order, e.g. 429,ok or 500*3')
    .option('--retry-after <seconds>', 'retry-after sent with injected 429s (default 1)')
    .option('--profile <spec>', 'named profile NAME=key:value,... served under /NAME/v1 (repeatable)', collect)
    .option('--profiles <file>', 'JSON file of named profiles')
    .option('--pause-at <at:duration>', 'from AT after start, arriving requests wait DURATION (repeatable)', collect)
    .option('--precise', 'meet every deadline within ~0.1 ms by spinning its last millisecond (uses CPU; for bench accuracy runs)')
    .option('--log', 'one line per request on stderr')
    .option('--no-control', 'do not serve the /__sim/ control API')
    .addHelpText('after', HELP)
    .action(act(async (io, flags) => {
      const { sim } = await import('../commands/sim.js');
      return sim(flags, io);
    }));
}
