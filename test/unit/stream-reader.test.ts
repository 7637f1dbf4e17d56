import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createStreamReader, isComplete } from '../../src/core/stream-reader.js';
import { normalizeUsage } from '../../src/core/usage.js';
import type { Assembled, StreamDelta } from '../../src/core/types.js';
import { deliveries, everyTwoWayCut, listedSplits, SSE_DIR, sseFixture } from '../helpers/sse-feed.js';

// Every .sse case of ../shared/cases/README.md (copied to fixtures/sse/) with the result the README
// requires, fed whole, at the listed cuts, byte by byte and at every 2-way cut.

interface Expected {
  content: string;
  reasoning?: string;
  finish: string | null;
  done: boolean;
  complete: boolean;
  usage?: { prompt: number; completion: number; total: number; reasoning?: number };
  tools?: Array<{ id: string; name: string; arguments: string }>;
  error?: { message: string; type?: string; code?: string };
  id?: string;
  model?: string;
}

const CASES: Record<string, Expected> = {
  'R01-utf8-split-midchar.sse': { content: ' известни日本語🐕', finish: 'stop', done: true, complete: true },
  'R02b-crlf-json-stream.sse': { content: 'Hello', finish: 'stop', done: true, complete: true },
  // R03 ends without [DONE]/finish: the point of the case is that `first` arrives before EOF (sse.test.ts).
  'R03-mixed-lf-then-crlf-delimiter.sse': { content: 'first', finish: null, done: false, complete: false },
  'R03c-crlf-everywhere-done.sse': { content: 'ab', finish: 'stop', done: true, complete: true },
  'R04-sse-comment-keepalives.sse': { content: 'The next day', finish: 'stop', done: true, complete: true },
  'R05-data-without-space.sse': { content: 'Hi', reasoning: 'Okay', finish: 'stop', done: true, complete: true },
  'R06-multiline-data-field.sse': { content: 'Hello', finish: 'stop', done: true, complete: true },
  'R07-error-object-in-stream.sse': {
    content: 'Hel', finish: null, done: false, complete: false,
    error: { message: 'The model `gpt-x` does not exist or you do not have access to it.', type: 'invalid_request_error', code: 'model_not_found' },
  },
  'R07b-event-error-top-level-message.sse': {
    content: 'Hel', finish: null, done: false, complete: false, error: { message: 'Something went wrong', code: 'server_error' },
  },
  'R08-eof-without-done-or-finish-reason.sse': { content: '{"items": [1, 2', finish: null, done: false, complete: false },
  'R08b-finish-reason-but-no-done.sse': { content: 'Done.', finish: 'stop', done: false, complete: true },
  'R09-azure-empty-choices-and-choice-without-delta.sse': {
    content: 'Hello World', finish: 'stop', done: true, complete: true, usage: { prompt: 15, completion: 5, total: 20 },
    id: 'chatcmpl-relay-r09', model: 'gpt-4',
  },
  'R11-usage-in-trailing-empty-choices-chunk.sse': { content: 'Hi', finish: 'stop', done: true, complete: true, usage: { prompt: 26, completion: 2, total: 28 } },
  'R14-deepseek-reasoning-content.sse': {
    content: '1 + 1 = 2.', reasoning: 'Okay, the user asks 1+1.', finish: 'stop', done: true, complete: true,
    usage: { prompt: 13, completion: 40, total: 53, reasoning: 33 },
  },
  'R15-toolcall-duplicate-index-in-first-chunk.sse': {
    content: '', finish: 'tool_calls', done: true, complete: true,
    tools: [{ id: 'call_r15', name: 'get_weather', arguments: '{"city": "Paris"}' }],
  },
  'R17c-toolcall-first-fragment-without-arguments-key.sse': {
    content: '', finish: 'tool_calls', done: true, complete: true, tools: [{ id: 'llm_version:0', name: 'llm_version', arguments: '{}' }],
  },
};

function read(chunks: Uint8Array[]): { state: Assembled; deltas: StreamDelta[] } {
  const deltas: StreamDelta[] = [];
  const r = createStreamReader({ onDelta: (d) => deltas.push(d) });
  for (const c of chunks) r.push(c);
  return { state: r.end(), deltas };
}

function check(state: Assembled, deltas: StreamDelta[], exp: Expected, how: string): void {
  expect(state.content, how).toBe(exp.content);
  expect(state.content.includes('\uFFFD'), how).toBe(false);
  expect(state.reasoning, how).toBe(exp.reasoning ?? '');
  expect(state.finishReason, how).toBe(exp.finish);
  expect(state.sawDone, how).toBe(exp.done);
  expect(isComplete(state), how).toBe(exp.complete);
  // What the user saw as it streamed is what was assembled.
  expect(deltas.filter((d) => d.kind === 'content').map((d) => (d as { text: string }).text).join(''), how).toBe(exp.content);
  if (exp.usage) {
    const u = normalizeUsage(state.usage);
    expect(u, how).toMatchObject({ promptTokens: exp.usage.prompt, completionTokens: exp.usage.completion, totalTokens: exp.usage.total });
    if (exp.usage.reasoning !== undefined) expect(u!.reasoningTokens, how).toBe(exp.usage.reasoning);
  } else expect(state.usage, how).toBeUndefined();
  expect(state.toolCalls.map((t) => ({ id: t.id, name: t.function.name, arguments: t.function.arguments })), how).toEqual(exp.tools ?? []);
  for (const t of state.toolCalls) expect(() => JSON.parse(t.function.arguments), how).not.toThrow();
  if (exp.error) expect(state.error, how).toEqual(exp.error);
  else expect(state.error, how).toBeUndefined();
  if (exp.id) expect(state.id, how).toBe(exp.id);
  if (exp.model) expect(state.model, how).toBe(exp.model);
}

describe('stream reader: every shared .sse case', () => {
  it('has an expectation for every JSON-stream fixture', () => {
    const files = readdirSync(SSE_DIR).filter((f) => f.endsWith('.sse') && !f.startsWith('R02-'));
    expect(files.sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [file, exp] of Object.entries(CASES)) {
    it(`${file}: whole, listed cuts, 1-byte pieces, every 2-way cut`, () => {
      const bytes = sseFixture(file);
      for (const d of deliveries(bytes, listedSplits(file))) {
        const { state, deltas } = read(d.chunks);
        check(state, deltas, exp, `${file} (${d.how})`);
      }
      // Every 2-way cut must give exactly the whole-body result (compared cheaply, asserted on mismatch).
      const want = JSON.stringify(read([bytes]));
      for (const d of everyTwoWayCut(bytes)) {
        const got = JSON.stringify(read(d.chunks));
        if (got !== want) expect(got, `${file} (${d.how})`).toBe(want);
      }
    });
  }
});

const enc = new TextEncoder();
const chunk = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c1', model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

describe('stream reader: stopping and errors', () => {
  it('R07: stops at the error object and ignores what follows', () => {
    const r = createStreamReader();
    r.push(enc.encode(sseFixture('R07-error-object-in-stream.sse').toString() + chunk({ content: 'MORE' })));
    expect(r.stopped).toBe(true);
    expect(r.end().content).toBe('Hel');
  });

  it('[DONE] with trailing CR or spaces ends the stream; later events are ignored', () => {
    for (const done of ['[DONE]', '[DONE]\r', '[DONE] ', ' [DONE]']) {
      const r = createStreamReader();
      r.push(enc.encode(chunk({ content: 'a' }) + `data: ${done}\n\n` + chunk({ content: 'b' })));
      expect(r.stopped, JSON.stringify(done)).toBe(true);
      const s = r.end();
      expect(s.sawDone).toBe(true);
      expect(s.content).toBe('a');
    }
  });

  it('data that is not JSON is a malformed stream (stopped, partial kept)', () => {
    const r = createStreamReader();
    r.push(enc.encode(chunk({ content: 'ok' }) + 'data: {not json\n\n'));
    expect(r.stopped).toBe(true);
    const s = r.end();
    expect(s.content).toBe('ok');
    expect(s.error?.code).toBe('malformed_stream');
    expect(isComplete(s)).toBe(false);
  });

  it('a JSON line cut off by the end of the body is a truncation, not a malformed stream', () => {
    const r = createStreamReader();
    r.push(enc.encode(chunk({ content: 'part' }) + 'data: {"id":"c1","choi'));
    const s = r.end();
    expect(s.error).toBeUndefined();
    expect(s.content).toBe('part');
    expect(isComplete(s)).toBe(false);
  });

  it('event: error with an Anthropic-style nested error and with non-JSON data', () => {
    const a = createStreamReader();
    a.push(enc.encode('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'));
    expect(a.end().error).toEqual({ message: 'Overloaded', type: 'overloaded_error' });
    const b = createStreamReader();
    b.push(enc.encode('event: error\ndata: upstream went away\n\n'));
    expect(b.end().error).toEqual({ message: 'upstream went away' });
    const c = createStreamReader();
    c.push(enc.encode('event: error\ndata: {"message":"bad","type":"invalid_request_error","code":"x"}\n\n'));
    expect(c.end().error).toEqual({ message: 'bad', type: 'invalid_request_error', code: 'x' });
  });

  it('an error with a finish_reason is not complete (OpenRouter sends finish_reason "error")', () => {
    const r = createStreamReader();
    r.push(enc.encode(`data: {"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}],"error":{"code":502,"message":"Provider returned error"}}\n\n`));
    const s = r.end();
    expect(s.error).toEqual({ message: 'Provider returned error', code: '502' });
    expect(isComplete(s)).toBe(false);
  });

  it('empty data events are skipped, not parsed', () => {
    const r = createStreamReader();
    r.push(enc.encode('data:\n\n' + chunk({ content: 'x' }, 'stop')));
    const s = r.end();
    expect(s.error).toBeUndefined();
    expect(s.content).toBe('x');
  });

  it('R04/R36: onActivity fires for keep-alive comments, with no content yet', () => {
    let activity = 0;
    const r = createStreamReader({ onActivity: () => activity++ });
    r.push(enc.encode(': keep-alive\n\n'));
    expect(activity).toBe(2);
    r.push(enc.encode(': OPENROUTER PROCESSING\n\n'));
    expect(activity).toBe(4);
    expect(r.state.content).toBe('');
  });

  it('R03: the first chunk reaches onDelta before the body ends', () => {
    const seen: string[] = [];
    const r = createStreamReader({ onDelta: (d) => d.kind === 'content' && seen.push(d.text) });
    r.push(sseFixture('R03-mixed-lf-then-crlf-delimiter.sse'));
    expect(seen).toEqual(['first']);
    expect(r.stopped).toBe(false);
  });
});
