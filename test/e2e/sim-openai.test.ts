import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simReasoningText, simReplyText } from '../../src/sim/text.js';
import { spawnSim, type SpawnedSim } from '../helpers/sim.js';

// The official openai SDK against `relay sim`: proof that the simulator speaks the real protocol
// (the SDK's own parsing, streaming, error classes and retry-after handling).

const KEY = 'sk-sdk-test-0000111122223333';
const SEED = 21;
let s: SpawnedSim;
let client: OpenAI;

beforeAll(async () => {
  s = await spawnSim(['--seed', String(SEED), '--api-key', KEY, '--profile', 'think=reasoning:6',
    '--profile', 'flaky=script:429/ok', '--profile', 'broken=script:error/500', '--profile', 'tight=rpm:1']);
  client = new OpenAI({ baseURL: s.url, apiKey: KEY, maxRetries: 0 });
});
afterAll(async () => {
  await s?.stop();
});

const messages = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Name a colour.' }];

describe('openai SDK against relay sim', () => {
  it('non-streaming: parsed completion with the deterministic text and usage', async () => {
    const c = await client.chat.completions.create({ model: 'gpt-4.1', messages, max_tokens: 12 });
    expect(c.choices[0]!.message.content).toBe(simReplyText(SEED, { messages }, 12));
    expect(c.choices[0]!.finish_reason).toBe('length');
    expect(c.model).toBe('gpt-4.1');
    expect(c.usage).toMatchObject({ completion_tokens: 12, total_tokens: c.usage!.prompt_tokens + 12 });
  });

  it('streaming with include_usage: deltas join to the same text, usage arrives last', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4.1', messages, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(simReplyText(SEED, { messages }));
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ completion_tokens: 64 });
  });

  it('carries reasoning_content through the SDK', async () => {
    const think = new OpenAI({ baseURL: s.baseUrl('think'), apiKey: KEY, maxRetries: 0 });
    const c = await think.chat.completions.create({ model: 'deepseek-reasoner', messages });
    const msg = c.choices[0]!.message as unknown as { reasoning_content: string };
    expect(msg.reasoning_content).toBe(simReasoningText(SEED, { messages }, undefined, { reasoningTokens: 6 }));
    expect(c.usage?.completion_tokens_details?.reasoning_tokens).toBe(6);
  });

  it('tool calls: the SDK assembles the streamed call into the same call as the non-streamed one', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather',
      parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } } } } }];
    const plain = await client.chat.completions.create({ model: 'gpt-4.1', messages, tools });
    expect(plain.choices[0]!.finish_reason).toBe('tool_calls');
    const call = plain.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('get_weather');
    expect(Object.keys(JSON.parse(call.function.arguments))).toEqual(['city', 'days']);
    const stream = client.chat.completions.stream({ model: 'gpt-4.1', messages, tools });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.tool_calls).toEqual([expect.objectContaining({ id: call.id, function: expect.objectContaining(call.function) })]);
  });

  it('lists models', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain('sim-1');
  });

  it('raises the SDK\'s own error classes: 401, 429 (limiter), stream error events', async () => {
    const wrong = new OpenAI({ baseURL: s.url, apiKey: 'sk-not-the-right-one-1234', maxRetries: 0 });
    await expect(wrong.chat.completions.create({ model: 'm', messages })).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    const tight = new OpenAI({ baseURL: s.baseUrl('tight'), apiKey: KEY, maxRetries: 0 });
    await tight.chat.completions.create({ model: 'm', messages, max_tokens: 1 });
    const limited = await tight.chat.completions.create({ model: 'm', messages, max_tokens: 1 }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('x-ratelimit-limit-requests')).toBe('1');

    const broken = new OpenAI({ baseURL: s.baseUrl('broken'), apiKey: KEY, maxRetries: 0 });
    const stream = await broken.chat.completions.create({ model: 'm', messages, stream: true });
    let partial = '';
    const iterate = async () => {
      for await (const chunk of stream) partial += chunk.choices[0]?.delta?.content ?? '';
    };
    await expect(iterate()).rejects.toBeInstanceOf(OpenAI.APIError);
    expect(partial.length).toBeGreaterThan(0);
    await expect(broken.chat.completions.create({ model: 'm', messages })).rejects.toBeInstanceOf(OpenAI.InternalServerError);
  });

  it('retries an injected 429 after its retry-after and then succeeds', async () => {
    const retrying = new OpenAI({ baseURL: s.baseUrl('flaky'), apiKey: KEY, maxRetries: 2 });
    const t0 = performance.now();
    const c = await retrying.chat.completions.create({ model: 'm', messages, max_tokens: 3 });
    expect(c.choices[0]!.message.content).toBe(simReplyText(SEED, { messages }, 3));
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
    const st = await (await fetch(`${s.origin}/__sim/stats`)).json();
    expect(st.profiles.flaky.byStatus).toEqual({ 200: 1, 429: 1 });
  });
});
