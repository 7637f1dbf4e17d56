import { describe, expect, it } from 'vitest';
import { estimatePromptTokens, simReasoningText, simReply, simReplyText } from '../../src/sim/text.js';

const ask = (content: string) => ({ model: 'sim-1', messages: [{ role: 'user', content }] });

describe('simReplyText', () => {
  it('gives the same text for the same seed and messages, whatever else the request says', () => {
    const a = simReplyText(7, ask('Why is the sky blue?'));
    expect(a.length).toBeGreaterThan(100);
    expect(simReplyText(7, ask('Why is the sky blue?'))).toBe(a);
    expect(simReplyText(7, { ...ask('Why is the sky blue?'), model: 'other', stream: true, temperature: 0.2 })).toBe(a);
  });

  it('changes with the seed, the messages and the choice index', () => {
    const a = simReplyText(7, ask('Why is the sky blue?'));
    expect(simReplyText(8, ask('Why is the sky blue?'))).not.toBe(a);
    expect(simReplyText(7, ask('Why is the sky green?'))).not.toBe(a);
    expect(simReplyText(7, { messages: [{ role: 'system', content: 'Why is the sky blue?' }] })).not.toBe(a);
    expect(simReplyText(7, ask('Why is the sky blue?'), undefined, {}, 1)).not.toBe(a);
  });

  it('reads like English words: capitalised sentences ending with a period, single spaces, ASCII', () => {
    const text = simReplyText(1, ask('hello'));
    expect(text).toMatch(/^[A-Z][a-z]+( [A-Za-z]+[.,]?)+\.$/);
    expect(text).not.toMatch(/ {2}/);
    expect(/^[\x20-\x7e]+$/.test(text)).toBe(true);
  });

  it('is 64 tokens by default and finishes with "stop"', () => {
    const r = simReply(1, ask('hello'));
    expect(r.content).toHaveLength(64);
    expect(r.finishReason).toBe('stop');
    expect(r.content.join('').split(' ')).toHaveLength(64);
  });

  it('cut by max_tokens is a prefix of the uncut reply and finishes with "length"', () => {
    const full = simReply(3, ask('tell me a story'));
    for (const max of [1, 5, 63]) {
      const cut = simReply(3, ask('tell me a story'), max);
      expect(cut.content).toHaveLength(max);
      expect(cut.finishReason).toBe('length');
      expect(cut.content).toEqual(full.content.slice(0, max));
    }
    expect(simReply(3, { ...ask('tell me a story'), max_tokens: 10 }).content).toHaveLength(10);
    expect(simReply(3, { ...ask('tell me a story'), max_completion_tokens: 12, max_tokens: 10 }).content).toHaveLength(12);
    expect(simReply(3, ask('tell me a story'), 64).finishReason).toBe('stop');
    expect(simReply(3, ask('tell me a story'), 1000).content).toEqual(full.content);
  });

  it('honours reply-tokens as a number, a seeded range and "max", and ignore_eos', () => {
    expect(simReply(1, ask('x'), undefined, { replyTokens: 5 }).content).toHaveLength(5);
    const lengths = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const n = simReply(1, ask(`prompt ${i}`), undefined, { replyTokens: [10, 20] }).content.length;
      expect(n).toBeGreaterThanOrEqual(10);
      expect(n).toBeLessThanOrEqual(20);
      lengths.add(n);
    }
    expect(lengths.size).toBeGreaterThan(3);
    const filled = simReply(1, ask('x'), 300, { replyTokens: 'max' });
    expect([filled.content.length, filled.finishReason]).toEqual([300, 'length']);
    const eos = simReply(1, { ...ask('x'), ignore_eos: true, max_tokens: 200 });
    expect([eos.content.length, eos.finishReason]).toEqual([200, 'length']);
  });

  it('puts reasoning first and takes it out of the same max_tokens budget', () => {
    const shape = { reasoningTokens: 10 };
    const r = simReply(2, ask('1+1?'), undefined, shape);
    expect([r.reasoning.length, r.content.length, r.finishReason]).toEqual([10, 64, 'stop']);
    expect(simReasoningText(2, ask('1+1?'), undefined, shape)).toBe(r.reasoning.join(''));
    expect(r.reasoning.join('')).not.toBe(r.content.slice(0, 10).join(''));
    const cut = simReply(2, ask('1+1?'), 30, shape);
    expect([cut.reasoning.length, cut.content.length, cut.finishReason]).toEqual([10, 20, 'length']);
    const tiny = simReply(2, ask('1+1?'), 4, shape);
    expect([tiny.reasoning.length, tiny.content.length]).toEqual([4, 0]);
  });

  it('with unicode mixes in multi-byte words, still JSON-safe pieces', () => {
    const r = simReply(5, ask('unicode please'), 400, { unicode: true });
    const text = r.content.join('');
    expect(/[^\x00-\x7f]/.test(text)).toBe(true);
    for (const piece of r.content) expect(JSON.parse(`"${piece}"`)).toBe(piece);
  });

  it('keys on message text, including array content parts', () => {
    const parts = { messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }] };
    expect(simReplyText(1, parts)).toBe(simReplyText(1, ask('hello')));
  });
});

describe('estimatePromptTokens', () => {
  it('is 3 + per message 4 + ceil(chars / 4)', () => {
    expect(estimatePromptTokens(ask(''))).toBe(7);
    expect(estimatePromptTokens(ask('Why is the sky blue?'))).toBe(3 + 4 + 5);
    expect(estimatePromptTokens({ messages: [{ role: 'system', content: 'abcd' }, { role: 'user', content: 'abcde' }] })).toBe(3 + 5 + 6);
    expect(estimatePromptTokens({})).toBe(3);
  });
});

describe('tool calls', () => {
  const tools = [
    { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
    { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {
      city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] }, days: { type: 'integer' }, exact: { type: 'boolean' } } } } },
  ];
  const req = { messages: [{ role: 'user', content: 'Weather in Paris?' }], tools };

  it('calls the first function tool, or the one tool_choice names, with schema-shaped seeded arguments', () => {
    const first = simReply(1, req);
    expect(first.finishReason).toBe('tool_calls');
    expect(first.content).toEqual([]);
    expect(first.toolCall).toMatchObject({ name: 'get_time', arguments: '{}' });
    const named = simReply(1, { ...req, tool_choice: { type: 'function', function: { name: 'get_weather' } } }).toolCall!;
    expect(named.name).toBe('get_weather');
    const args = JSON.parse(named.arguments);
    expect(Object.keys(args)).toEqual(['city', 'unit', 'days', 'exact']);
    expect([typeof args.city, ['c', 'f'].includes(args.unit), Number.isInteger(args.days), typeof args.exact]).toEqual(['string', true, true, 'boolean']);
    expect(named.id).toMatch(/^call_[0-9a-f]+$/);
    expect(simReply(1, { ...req, tool_choice: { type: 'function', function: { name: 'get_weather' } } }).toolCall).toEqual(named);
  });

  it('streams arguments as escaped fragments that join back to the arguments', () => {
    const call = simReply(2, { ...req, tool_choice: { type: 'function', function: { name: 'get_weather' } } }).toolCall!;
    expect(call.fragments.length).toBeGreaterThan(2);
    expect(call.fragments.map((f) => JSON.parse(`"${f}"`)).join('')).toBe(call.arguments);
  });

  it('answers with text when tool_choice is "none"', () => {
    const r = simReply(1, { ...req, tool_choice: 'none' });
    expect([r.toolCall, r.finishReason, r.content.length]).toEqual([undefined, 'stop', 64]);
  });
});
