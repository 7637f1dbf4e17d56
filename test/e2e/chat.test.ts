import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { simReplyText } from '../../src/sim/text.js';
import { runRelay, startRelay } from '../helpers/relay.js';

// relay chat as a user runs it: the real bin/relay.js process against relay sim on loopback.

const KEY = 'sk-test-SECRET-abc123xyz789-chat';
const PROMPT = 'Tell me about rivers.';
const messages = [{ role: 'user', content: PROMPT }];

describe('relay chat against relay sim', () => {
  let sim: SimServer;
  beforeAll(async () => {
    sim = await startSim({
      seed: 11,
      models: ['sim-1', 'sim-2', 'gpt-4.1-mini'],
      profiles: {
        slow: { ttftMs: 50, tps: 20 },
        locked: { apiKey: KEY.replace('SECRET', 'OTHER') },
        once429: { faultScript: '429,ok', retryAfterS: 1 },
        wait2: { faultScript: '429,ok', retryAfterS: 2 },
        fail500: { faults: '500=1' },
        stall: { faults: 'stall=1' },
        cut: { faults: 'truncate=1' },
      },
    });
  });
  afterAll(async () => { await sim?.close(); });

  const env = { RELAY_API_KEY: KEY };

  it('streams the simulator\'s deterministic text to stdout byte for byte; stats go to stderr only', async () => {
    const r = await runRelay(['chat', '--base-url', sim.url, '-m', 'sim-1', '--max-tokens', '40', '--stats', PROMPT], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(simReplyText(11, { messages, max_tokens: 40 }, 40));
    expect(r.stderr).toMatch(/sim-1 via default \(simulated\) · TTFT \d+ ms/); // the simulator marks its replies
    expect(r.stderr).toMatch(/\d+ in \/ 40 out tokens/);
    expect(r.stderr).not.toMatch(/estimated/); // the simulator sends real usage
  });

  it('a base URL with a query (?api-version=) keeps it after the path; user:password in it is never printed', async () => {
    const withQuery = `${sim.url}?api-version=2024-10-21`;
    const r = await runRelay(['chat', '--base-url', withQuery, '-m', 'sim-1', '--max-tokens', '5', '--debug', PROMPT], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(simReplyText(11, { messages, max_tokens: 5 }, 5));
    expect(r.stderr).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions\?api-version=2024-10-21 /);
    const u = new URL(sim.url);
    const withUser = `http://someone:pa55word-SECRET@${u.host}${u.pathname}`;
    const d = await runRelay(['chat', '--base-url', withUser, '-m', 'sim-1', '--max-tokens', '5', '--debug', PROMPT], { env });
    expect(d.code).toBe(0);
    expect(d.stdout + d.stderr).not.toContain('pa55word-SECRET');
  });

  it('relay models says the endpoint is simulated (relay sim marks its replies) and never prints a password in the URL', async () => {
    const withUser = sim.url.replace('http://', 'http://user:s3cret-pass@');
    const r = await runRelay(['models', '--base-url', withUser, '--json'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ endpoint: 'default', url: sim.url, simulated: true });
    expect(doc.models.map((m: { id: string }) => m.id)).toContain('sim-1');
    expect(r.stdout).not.toContain('s3cret');
  });

  it('--no-stream --stats: no TTFT (there is no first token to time); the rate is over the whole request', async () => {
    const r = await runRelay(['chat', '--base-url', sim.baseUrl('slow'), '-m', 'sim-1', '--max-tokens', '5', '--no-stream', '--stats', PROMPT], { env });
    expect(r.code).toBe(0);
    const m = /reply in (\d+) ms · ([\d.]+) tok\/s over the whole request/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(r.stderr).not.toMatch(/TTFT/);
    // 5 tokens at 20 tok/s after a 50 ms first token: about 250 ms, so well under 20 tok/s overall.
    expect(Number(m![1])).toBeGreaterThanOrEqual(240);
    expect(Number(m![2])).toBeLessThanOrEqual(21);
  });

  it('sends piped stdin together with the prompt', async () => {
    const r = await runRelay(['chat', '--base-url', sim.url, '-m', 'sim-1', 'summarise'], { env, input: 'a long document\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(simReplyText(11, { messages: [{ role: 'user', content: 'summarise\n\na long document' }] }));
  });

  it('writes no ANSI escapes when piped; NO_COLOR and --no-color keep stderr plain; FORCE_COLOR colours stderr only', async () => {
    const plain = await runRelay(['chat', '--base-url', sim.url, '-m', 'sim-1', '--stats', 'hi'], { env });
    expect(plain.stdout + plain.stderr).not.toContain('\x1b');
    const noColor = await runRelay(['chat', '--base-url', sim.url, '-m', 'sim-1', '--stats', 'hi'], { env: { ...env, NO_COLOR: '1' } });
    expect(noColor.stderr).not.toContain('\x1b');
    const forced = await runRelay(['chat', '--base-url', sim.url, '-m', 'sim-1', '--stats', 'hi'], { env: { ...env, FORCE_COLOR: '1' } });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('\x1b[');
    expect(forced.stdout).not.toContain('\x1b');
    const flag = await runRelay(['chat', '--no-color', '--base-url', sim.url, '-m', 'sim-1', '--stats', 'hi'], { env: { ...env, FORCE_COLOR: '1' } });
    expect(flag.stderr).not.toContain('\x1b');
  });

  it('401: exit 4, names the endpoint and the variable that holds the key', async () => {
    const r = await runRelay(['chat', '--base-url', sim.baseUrl('locked'), '-m', 'sim-1', 'hi'], { env });
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    // The server's own reason is quoted: it can say the key is fine but not for this model.
    expect(r.stderr).toMatch(/^relay: 401 from default \(http:\/\/127\.0\.0\.1:\d+\/locked\/v1\/chat\/completions\) \("Incorrect API key provided[^"]*"\): the key in RELAY_API_KEY was refused/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('429 with retry-after: 1, then success: waits what the server asked and exits 0', async () => {
    const started = Date.now();
    const r = await runRelay(['chat', '--base-url', sim.baseUrl('once429'), '-m', 'sim-1', 'hi'], { env });
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // never earlier than the server asked (R18)
    expect(r.stdout).toBe(simReplyText(11, { messages: [{ role: 'user', content: 'hi' }] }));
    expect(r.stderr).toMatch(/429 rate limited; retrying in 1\.0 s/);
  });

  it('a retry-after above --max-retry-wait fails at once, naming the wait and how to allow it (R18)', async () => {
    const r = await runRelay(['chat', '--base-url', sim.baseUrl('wait2'), '-m', 'sim-1', '--max-retry-wait', '1', 'hi'], { env });
    expect(r.code).toBe(5);
    expect(sim.stats().profiles.wait2?.chatRequests).toBe(1); // no retry was sent
    expect(r.stderr.trim()).toMatch(/^relay: 429 rate limited by default; server asked to wait 2 s: .*; try again later, or let relay wait that long with --max-retry-wait SECONDS/);
  });

  it('500 on every attempt: exit 5 after the default 2 retries', async () => {
    const before = sim.stats().profiles.fail500?.requests ?? 0;
    const r = await runRelay(['chat', '--base-url', sim.baseUrl('fail500'), '-m', 'sim-1', 'hi'], { env });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/relay: 500 from .* after 3 attempts/);
    expect((sim.stats().profiles.fail500?.requests ?? 0) - before).toBe(3);
  });

  it('a stalled server ends in a timeout: exit 6 naming --timeout', async () => {
    const r = await runRelay(['chat', '--base-url', sim.baseUrl('stall'), '-m', 'sim-1', '--timeout', '0.5', '--retries', '0', 'hi'], { env });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/no response from default within 0\.5 s \(--timeout\)/);
  });

  it('a truncated stream is an error (exit 6), not a success, and the partial text is kept', async () => {
    const r = await runRelay(['chat', '--base-url', sim.baseUrl('cut'), '-m', 'sim-1', '--retries', '0', 'hi'], { env });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/ended before the reply was complete/);
    expect(simReplyText(11, { messages: [{ role: 'user', content: 'hi' }] }).startsWith(r.stdout)).toBe(true);
  });

  it('an unknown flag is a usage error: exit 2, one line', async () => {
    const r = await runRelay(['chat', '--bogus-flag', 'hi']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^relay: unknown option '--bogus-flag'/);
  });

  it('SIGINT during a one-shot stream: exit 130 with the partial text flushed', async () => {
    const p = startRelay(['chat', '--base-url', sim.baseUrl('slow'), '-m', 'sim-1', '--max-tokens', '200', 'hi'], { env });
    await p.waitForStdout(/\S+ \S+ \S+/); // a few tokens have arrived
    p.proc.kill('SIGINT');
    const r = await p.done;
    expect(r.code).toBe(130);
    expect(r.stdout.length).toBeGreaterThan(0);
    expect(simReplyText(11, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 200 }, 200).startsWith(r.stdout)).toBe(true);
    expect(r.stderr).toMatch(/relay: interrupted \(partial reply of \d+ characters kept\)/);
  });

  it('an unknown model: exit 5, close names from /v1/models, and with --json one error document on stdout', async () => {
    const r = await runRelay(['chat', '--base-url', sim.url, '-m', 'sim-3', '--json', 'hi'], { env });
    expect(r.code).toBe(5);
    expect(r.stderr.trim()).toMatch(/^relay: 404 from .*: model "sim-3" not found .*; close names: sim-1, sim-2$/);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'model_not_found', status: 404 }, content: '' });
  });

  it('SIGINT during --json still prints one document, with the text that arrived', async () => {
    const p = startRelay(['chat', '--base-url', sim.baseUrl('slow'), '-m', 'sim-1', '--max-tokens', '200', '--json', 'hi'], { env });
    // --json prints nothing while the reply streams, so watch the server: the request in flight,
    // then a few tokens' time at 20 tokens/s (no event marks a token sent).
    const deadline = Date.now() + 10_000;
    while ((sim.stats().profiles.slow?.inFlight ?? 0) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    p.proc.kill('SIGINT');
    const r = await p.done;
    expect(r.code).toBe(130);
    const doc = JSON.parse(r.stdout);
    expect(doc.error.code).toBe('interrupted');
    expect(doc.content.length).toBeGreaterThan(0);
    expect(simReplyText(11, { messages: [{ role: 'user', content: 'hi' }], max_tokens: 200 }, 200).startsWith(doc.content)).toBe(true);
  });

  it('a reader that stops early (| head -c 10) ends relay quietly: exit 0, no stack trace', async () => {
    const p = startRelay(['chat', '--base-url', sim.baseUrl('slow'), '-m', 'sim-1', '--max-tokens', '100', 'hi'], { env });
    await p.waitForStdout(/\S{6,}/);
    p.proc.stdout!.destroy(); // what `head` does once it has its bytes
    const r = await p.done;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('the API key appears nowhere in stdout or stderr, with --debug, on success and on every error', async () => {
    const runs = await Promise.all([
      runRelay(['--debug', 'chat', '--base-url', sim.url, '-m', 'sim-1', 'hi'], { env }),
      runRelay(['--debug', 'chat', '--base-url', sim.baseUrl('locked'), '-m', 'sim-1', 'hi'], { env }),
      runRelay(['--debug', 'chat', '--base-url', sim.baseUrl('fail500'), '-m', 'sim-1', '--retries', '0', 'hi'], { env }),
      runRelay(['--debug', 'chat', '--base-url', sim.baseUrl('cut'), '-m', 'sim-1', '--retries', '0', 'hi'], { env }),
      runRelay(['--debug', 'chat', '--base-url', sim.baseUrl('stall'), '-m', 'sim-1', '--timeout', '0.3', '--retries', '0', 'hi'], { env }),
      runRelay(['--debug', 'chat', '--base-url', 'http://127.0.0.1:9/v1', '-m', 'sim-1', '--retries', '0', 'hi'], { env }),
      runRelay(['--debug', 'config'], { env: { ...env, RELAY_BASE_URL: sim.url } }),
      // The same key where users also put keys: in the URL and in a custom header.
      runRelay(['--debug', 'chat', '--base-url', `http://user:${KEY}@127.0.0.1:9/v1`, '-m', 'sim-1', '--retries', '0', 'hi']),
      runRelay(['--debug', 'route', 'status', '--base-url', `http://user:${KEY}@127.0.0.1:9/v1`, '--probes', '1', '--json']),
      runRelay(['--debug', 'chat', '--base-url', `http://user:${KEY}@127.0.0.1:99999/v1`, '-m', 'sim-1', 'hi']),
      runRelay(['--debug', 'chat', '--base-url', sim.baseUrl('fail500'), '--header', `X-Api-Key: ${KEY}`, '-m', 'sim-1', '--retries', '0', 'hi']),
    ]);
    expect(runs.map((r) => r.code)).toEqual([0, 4, 5, 6, 6, 6, 0, 6, 6, 2, 5]);
    for (const r of runs) {
      expect(r.stdout).not.toContain(KEY);
      expect(r.stderr).not.toContain(KEY);
      expect(r.stderr).not.toContain('SECRET-abc123');
    }
    expect(runs[0].stderr).toMatch(/\[debug\] POST .*"authorization":"\[redacted\]"/);
  });
});
