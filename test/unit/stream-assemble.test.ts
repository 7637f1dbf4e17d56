import { describe, expect, it } from 'vitest';
import { assembleCompletion, createAssembler } from '../../src/core/assemble.js';
import type { StreamDelta } from '../../src/core/types.js';

// Chunk shapes seen from real servers (shared cases R09-R17, wire/SOURCES.md), fed to the assembler.

const ch = (delta: unknown, finish: string | null = null, extra: object = {}) => ({
  id: 'c', model: 'm', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }], ...extra,
});
const tc = (index: number | undefined, fn: object, id?: string) => ({ ...(index === undefined ? {} : { index }), ...(id ? { id, type: 'function' } : {}), function: fn });

function run(chunks: unknown[]) {
  const deltas: StreamDelta[] = [];
  const a = createAssembler((d) => deltas.push(d));
  for (const c of chunks) a.apply(c);
  return { state: a.finish(), deltas };
}

describe('assembler: tool-call deltas', () => {
  const table: Array<{ name: string; chunks: unknown[]; calls: Array<[id: string, name: string, args: string]> }> = [
    {
      name: 'R15: duplicate index inside the first chunk merges into one call',
      chunks: [ch({ tool_calls: [tc(0, { name: 'f', arguments: '' }, 'call_1'), tc(0, { arguments: '{"a": ' })] }), ch({ tool_calls: [tc(0, { arguments: '1}' })] })],
      calls: [['call_1', 'f', '{"a": 1}']],
    },
    {
      name: 'R17a: name repeated in a later fragment is not doubled; "" then "{}"',
      chunks: [ch({ tool_calls: [tc(0, { name: 'llm_version', arguments: '' }, '0')] }), ch({ tool_calls: [tc(0, { name: 'llm_version', arguments: '{}' }, '0')] })],
      calls: [['0', 'llm_version', '{}']],
    },
    {
      name: 'R17b: a first fragment that is already "{}" is not doubled when sent again',
      chunks: [ch({ tool_calls: [tc(0, { name: 'v', arguments: '{}' }, '0')] }), ch({ tool_calls: [tc(0, { name: 'v', arguments: '{}' }, '0')] })],
      calls: [['0', 'v', '{}']],
    },
    {
      name: 'R17c: no arguments key at all gives {}',
      chunks: [ch({ tool_calls: [tc(0, { name: 'v' }, 'x')] })],
      calls: [['x', 'v', '{}']],
    },
    {
      name: 'arguments null then fragments',
      chunks: [ch({ tool_calls: [tc(0, { name: 'v', arguments: null }, 'x')] }), ch({ tool_calls: [tc(0, { arguments: '{"k":' })] }), ch({ tool_calls: [tc(0, { arguments: '2}' })] })],
      calls: [['x', 'v', '{"k":2}']],
    },
    {
      name: 'index 1 with no index 0 (Anthropic via gateway)',
      chunks: [ch({ content: 'Reading' }), ch({ tool_calls: [tc(1, { name: 'read_file', arguments: '' }, 't1')] }), ch({ tool_calls: [tc(1, { arguments: '{"pa' })] }), ch({ tool_calls: [tc(1, { arguments: 'th": "a.txt"}' })] })],
      calls: [['t1', 'read_file', '{"path": "a.txt"}']],
    },
    {
      name: 'two parallel calls by index, interleaved',
      chunks: [ch({ tool_calls: [tc(0, { name: 'a', arguments: '{"x":' }, 'A'), tc(1, { name: 'b', arguments: '{"y":' }, 'B')] }), ch({ tool_calls: [tc(1, { arguments: '2}' }), tc(0, { arguments: '1}' })] })],
      calls: [['A', 'a', '{"x":1}'], ['B', 'b', '{"y":2}']],
    },
    {
      name: 'missing index: a new id starts a new call, fragments without id continue the last',
      chunks: [ch({ tool_calls: [tc(undefined, { name: 'a', arguments: '{' }, 'A')] }), ch({ tool_calls: [tc(undefined, { arguments: '}' })] }), ch({ tool_calls: [tc(undefined, { name: 'b', arguments: '{}' }, 'B')] })],
      calls: [['A', 'a', '{}'], ['B', 'b', '{}']],
    },
    {
      name: 'complete calls that all say index 0 but carry new ids stay apart',
      chunks: [ch({ tool_calls: [tc(0, { name: 'a', arguments: '{"q":1}' }, 'A')] }), ch({ tool_calls: [tc(0, { name: 'b', arguments: '{"q":2}' }, 'B')] })],
      calls: [['A', 'a', '{"q":1}'], ['B', 'b', '{"q":2}']],
    },
    {
      name: 'arguments sent as an object are serialised',
      chunks: [ch({ tool_calls: [tc(0, { name: 'o', arguments: { city: 'Oslo' } }, 'O')] })],
      calls: [['O', 'o', '{"city":"Oslo"}']],
    },
  ];
  for (const row of table) {
    it(row.name, () => {
      const { state } = run(row.chunks);
      expect(state.toolCalls.map((t) => [t.id, t.function.name, t.function.arguments])).toEqual(row.calls);
      for (const t of state.toolCalls) expect(t.type).toBe('function');
    });
  }

  it('tool_call deltas name the position in state.toolCalls', () => {
    const { deltas, state } = run([ch({ tool_calls: [tc(3, { name: 'x', arguments: '' }, 'X')] }), ch({ tool_calls: [tc(3, { arguments: '{}' })] })]);
    expect(deltas).toEqual([{ kind: 'tool_call', index: 0 }, { kind: 'tool_call', index: 0 }]);
    expect(state.toolCalls[0]!.function.name).toBe('x');
  });
});

describe('assembler: content, reasoning, finish, usage, metadata', () => {
  it('content:null is never text; reasoning_content and reasoning are kept apart from content', () => {
    const { state, deltas } = run([
      ch({ role: 'assistant', content: null, reasoning_content: '' }),
      ch({ content: null, reasoning_content: 'think' }),
      ch({ content: null, reasoning: ' more' }),
      ch({ content: 'answer', reasoning_content: null }),
    ]);
    expect(state.content).toBe('answer');
    expect(state.reasoning).toBe('think more');
    expect(deltas).toEqual([{ kind: 'reasoning', text: 'think' }, { kind: 'reasoning', text: ' more' }, { kind: 'content', text: 'answer' }]);
  });

  it('a delta with both reasoning and reasoning_content (same text) counts it once', () => {
    expect(run([ch({ reasoning: 'r', reasoning_content: 'r' })]).state.reasoning).toBe('r');
  });

  it('content as parts: text parts are content, thinking parts reasoning', () => {
    const { state } = run([ch({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'hm' }] }, { type: 'text', text: 'Hi' }] })]);
    expect(state).toMatchObject({ content: 'Hi', reasoning: 'hm' });
  });

  it('R09: finish_reason is kept once set; choices:[] and a choice without delta are harmless', () => {
    const { state } = run([
      { choices: [], id: '', model: '', object: '', prompt_filter_results: [{}] },
      ch({ content: 'Hello' }),
      ch({}, 'stop'),
      { id: 'c', model: 'm', choices: [{ index: 0, content_filter_offsets: {}, finish_reason: null }] },
      { id: 'c', model: 'm', choices: [], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
    ]);
    expect(state).toMatchObject({ content: 'Hello', finishReason: 'stop', usage: { total_tokens: 2 } });
  });

  it('the first finish_reason wins over a later, different one', () => {
    expect(run([ch({}, 'length'), ch({}, 'stop')]).state.finishReason).toBe('length');
  });

  it('id, model and created come from the first chunk that has them (Azure first chunk is empty)', () => {
    const { state } = run([
      { id: '', model: '', created: 0, choices: [] },
      { id: 'real-id', model: 'gpt-5-nano', created: 5, choices: [] },
      { id: 'other', model: 'other', created: 9, choices: [] },
    ]);
    expect(state).toMatchObject({ id: 'real-id', model: 'gpt-5-nano', created: 5 });
  });

  it('usage is read from the finish chunk (DeepSeek) and from a chunk with an empty delta (Kimi)', () => {
    expect(run([ch({ content: 'x' }, 'stop', { usage: { prompt_tokens: 3, completion_tokens: 1 } })]).state.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1 });
    expect(run([ch({ content: '' }, null, { usage: { prompt_tokens: 57 } }), ch({}, null, { usage: null })]).state.usage).toEqual({ prompt_tokens: 57 });
  });

  it('choices other than 0 are not mixed into the reply', () => {
    const { state } = run([{ choices: [{ index: 1, delta: { content: 'B' } }, { index: 0, delta: { content: 'A' } }] }]);
    expect(state.content).toBe('A');
  });

  it('non-objects and junk are ignored', () => {
    const { state } = run([null, 42, 'x', { choices: 'nope' }, { choices: [null, 7] }]);
    expect(state).toMatchObject({ content: '', finishReason: null, toolCalls: [] });
    expect(state.error).toBeUndefined();
  });

  it('error objects: nested, string, numeric code, first one kept', () => {
    expect(run([{ error: { message: 'm', type: 't', code: 'c', param: 'p' } }]).state.error).toEqual({ message: 'm', type: 't', code: 'c', param: 'p' });
    expect(run([{ error: 'plain text' }]).state.error).toEqual({ message: 'plain text' });
    expect(run([{ error: { message: 'up', code: 503 } }, { error: { message: 'later' } }]).state.error).toEqual({ message: 'up', code: '503' });
    expect(run([{ error: null, choices: [] }]).state.error).toBeUndefined();
  });
});

describe('assembleCompletion (non-streamed bodies)', () => {
  it('reads message content, reasoning, tool calls, finish, usage and metadata', () => {
    const a = assembleCompletion({
      id: 'chatcmpl-1', object: 'chat.completion', created: 7, model: 'deepseek-reasoner',
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: 'ok', reasoning_content: 'because',
        tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }, { id: 'call_b', type: 'function', function: { name: 'g', arguments: '' } }] } }],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
    expect(a).toMatchObject({ id: 'chatcmpl-1', model: 'deepseek-reasoner', created: 7, content: 'ok', reasoning: 'because', finishReason: 'tool_calls', sawDone: false });
    expect(a.toolCalls.map((t) => [t.id, t.function.name, t.function.arguments])).toEqual([['call_a', 'f', '{"x":1}'], ['call_b', 'g', '{}']]);
    expect(a.usage).toEqual({ prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
  });

  it('an error body becomes state.error (OpenAI shape and Gemini array shape)', () => {
    expect(assembleCompletion({ error: { message: 'nope', type: 'invalid_request_error', param: null, code: 'model_not_found' } }).error)
      .toEqual({ message: 'nope', type: 'invalid_request_error', code: 'model_not_found' });
    expect(assembleCompletion([{ error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED' } }]).error)
      .toEqual({ message: 'quota', type: 'RESOURCE_EXHAUSTED', code: '429' });
  });
});
