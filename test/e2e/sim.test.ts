import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simReasoningText, simReplyText } from '../../src/sim/text.js';
import { RELAY_BIN, postChat, spawnSim, sseData, waitFor, type SpawnedSim } from '../helpers/sim.js';

// The simulator as users run it: `relay sim` in its own process, spoken to over loopback HTTP.

const SEED = 7;
const ask = (content: string, extra: Record<string, unknown> = {}) =>
  ({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content }], ...extra });

let sim: SpawnedSim;

beforeAll(async () => {
  sim = await spawnSim(['--seed', String(SEED), '--profile', 'sg=latency:30ms,ttft:40ms,tps:200,region:sg,via:direct',
    '--profile', 'think=reasoning:8']);
});

afterAll(async () => {
  await sim?.stop();
});

describe('relay sim process', () => {
  it('prints its base URL as the only stdout line and lists each profile URL on stderr', async () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    await waitFor(() => sim.stderr().includes('Ctrl-C stops it'));
    expect(sim.stderr()).toContain(`${sim.origin}/sg/v1`);
    expect(sim.stderr()).toContain(`${sim.origin}/think/v1`);
    expect(sim.stderr()).toMatch(/sg: .*latency 30ms, ttft 40ms, tps 200.*\[sg direct\]/);
  });

  it('stops cleanly on SIGTERM and SIGINT with exit 0', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const other = await spawnSim([]);
      const exit = new Promise<number | null>((r) => other.proc.once('close', (code) => r(code)));
      other.proc.kill(signal);
      expect(await exit).toBe(0);
      expect(other.stderr()).toContain(`stopped (${signal})`);
    }
  });

  it('documents every flag in --help and refuses unknown flags with exit 2', () => {
    const help = spawnSync(process.execPath, [RELAY_BIN, 'sim', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    for (const flag of ['--host', '--port', '--latency', '--ttft', '--tps', '--jitter', '--jitter-dist', '--chunk-tokens',
      '--reply-tokens', '--reasoning', '--unicode', '--seed', '--models', '--api-key', '--rpm', '--tpm', '--burst', '--faults',
      '--fault-script', '--retry-after', '--profile', '--profiles', '--pause-at', '--log', '--no-control', '--keepalive',
      '--precise', 'Examples:']) {
      expect(help.stdout).toContain(flag);
    }
    const bad = spawnSync(process.execPath, [RELAY_BIN, 'sim', '--latencyy', '5ms'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/unknown option '--latencyy'/);
    const badValue = spawnSync(process.execPath, [RELAY_BIN, 'sim', '--port', '0', '--ttft', 'soon'], { encoding: 'utf8' });
    expect(badValue.status).toBe(2);
    expect(badValue.stderr).toMatch(/^relay: --ttft: invalid ttft 'soon'/);
  });
});

describe('chat completions', () => {
  it('answers non-streaming with the deterministic text, usage, ids and headers', async () => {
    const req = ask('Why is the sky blue?');
    const res = await postChat(sim.url, req);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    const body = await res.json();
    const text = simReplyText(SEED, req);
    expect(body).toMatchObject({
      object: 'chat.completion', model: 'gpt-4.1-mini', system_fingerprint: expect.any(String),
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 64, total_tokens: 76, completion_tokens_details: { reasoning_tokens: 0 } },
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(60);
  });

  it('cuts at max_tokens (or max_completion_tokens) with finish_reason length, and serves n choices', async () => {
    const req = ask('Count to ten', { max_completion_tokens: 5, n: 2 });
    const body = await (await postChat(sim.url, req)).json();
    expect(body.choices).toHaveLength(2);
    expect(body.choices[0].message.content).toBe(simReplyText(SEED, req, 5));
    expect(body.choices[1].message.content).toBe(simReplyText(SEED, req, 5, {}, 1));
    expect(body.choices[0].message.content).not.toBe(body.choices[1].message.content);
    expect(body.choices.map((c: { finish_reason: string }) => c.finish_reason)).toEqual(['length', 'length']);
    expect(body.usage.completion_tokens).toBe(10);
  });

  it('streams the same text chunk by chunk: role first, finish, [DONE], no usage unless asked', async () => {
    const req = ask('Why is the sky blue?', { stream: true });
    const res = await postChat(sim.url, req);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = await sseData(res);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks[0].choices[0].delta).toMatchObject({ role: 'assistant', content: '' });
    const content = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(content).toBe(simReplyText(SEED, req));
    expect(chunks).toHaveLength(1 + 64 + 1);
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    expect(chunks.every((c) => c.usage === undefined && c.object === 'chat.completion.chunk' && c.id === chunks[0].id)).toBe(true);
  });

  it('with stream_options.include_usage ends with a choices:[] usage chunk before [DONE]', async () => {
    const req = ask('Hello', { stream: true, stream_options: { include_usage: true }, max_tokens: 3 });
    const events = await sseData(await postChat(sim.url, req));
    expect(events.at(-1)).toBe('[DONE]');
    const last = JSON.parse(events.at(-2)!);
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 });
    expect(JSON.parse(events.at(-3)!).choices[0].finish_reason).toBe('length');
  });

  it('emits reasoning_content before the content on a reasoning profile, counted in usage', async () => {
    const req = ask('What is 1+1?', { stream: true, stream_options: { include_usage: true }, max_tokens: 20 });
    const chunks = (await sseData(await postChat(sim.baseUrl('think'), req))).slice(0, -1).map((e) => JSON.parse(e));
    const kinds = chunks.slice(1, -2).map((c) => ('reasoning_content' in c.choices[0].delta ? 'r' : 'c')).join('');
    expect(kinds).toBe('r'.repeat(8) + 'c'.repeat(12));
    const reasoning = chunks.map((c) => c.choices[0]?.delta?.reasoning_content ?? '').join('');
    expect(reasoning).toBe(simReasoningText(SEED, req, 20, { reasoningTokens: 8 }));
    expect(chunks.at(-1).usage).toMatchObject({ completion_tokens: 20, completion_tokens_details: { reasoning_tokens: 8 } });
    const plain = await (await postChat(sim.baseUrl('think'), { ...req, stream: false })).json();
    expect(plain.choices[0].message.reasoning_content).toBe(reasoning);
  });

  it('applies a profile\'s latency before the headers and its ttft before the first token', async () => {
    const t0 = performance.now();
    const res = await postChat(sim.baseUrl('sg'), ask('timing', { stream: true, max_tokens: 4 }));
    const headersAt = performance.now() - t0;
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let seen = '';
    let firstTokenAt = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += dec.decode(value, { stream: true });
      if (!firstTokenAt && seen.includes('"delta":{"content"')) firstTokenAt = performance.now() - t0;
    }
    expect(headersAt).toBeGreaterThanOrEqual(29);
    expect(firstTokenAt).toBeGreaterThanOrEqual(30 + 40 - 2);
    expect(seen).toContain('data: [DONE]');
  });
});

describe('other routes', () => {
  it('lists models, answers /health, and gives OpenAI-shaped 404 and 400 errors', async () => {
    const models = await (await fetch(`${sim.url}/models`)).json();
    expect(models.object).toBe('list');
    expect(models.data.map((m: { id: string }) => m.id)).toContain('sim-1');
    expect(await (await fetch(`${sim.origin}/health`)).json()).toEqual({ status: 'ok', profile: 'default' });
    expect(await (await fetch(`${sim.origin}/sg/health`)).json()).toEqual({ status: 'ok', profile: 'sg' });
    const missing = await fetch(`${sim.origin}/nope/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.message).toBe('Invalid URL (POST /nope/v1/chat/completions)');
    const bad = await fetch(`${sim.url}/chat/completions`, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.type).toBe('invalid_request_error');
    const noMessages = await postChat(sim.url, { model: 'x', messages: [] });
    expect([noMessages.status, (await noMessages.json()).error.param]).toEqual([400, 'messages']);
    const badMax = await postChat(sim.url, ask('x', { max_tokens: 0 }));
    expect([badMax.status, (await badMax.json()).error.param]).toEqual([400, 'max_tokens']);
  });

  it('with --models, lists only those and answers 404 model_not_found for others', async () => {
    const strict = await spawnSim(['--models', 'alpha,beta']);
    try {
      const list = await (await fetch(`${strict.url}/models`)).json();
      expect(list.data.map((m: { id: string }) => m.id)).toEqual(['alpha', 'beta']);
      const res = await postChat(strict.url, ask('x', { model: 'gamma' }));
      expect(res.status).toBe(404);
      expect((await res.json()).error).toMatchObject({ code: 'model_not_found', param: 'model' });
      expect((await postChat(strict.url, ask('x', { model: 'beta' }))).status).toBe(200);
    } finally {
      await strict.stop();
    }
  });
});
