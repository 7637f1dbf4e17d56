import { describe, expect, it } from 'vitest';
import { autoIdFor, parseLine, type LineDefaults } from '../../src/batch/request.js';
import { IdSet } from '../../src/batch/keys.js';

const line = (v: unknown, lineNo = 7) => ({ lineNo, text: typeof v === 'string' ? v : JSON.stringify(v) });
const parse = (v: unknown, d: LineDefaults = { model: 'default-model' }) => parseLine(line(v), d);

describe('parseLine: the two input shapes', () => {
  it('simple prompt line: user message, default model, id kept', () => {
    expect(parse({ id: 'q1', prompt: 'Hi' })).toMatchObject({
      id: 'q1', format: 'simple', request: { model: 'default-model', messages: [{ role: 'user', content: 'Hi' }] },
    });
  });

  it('simple messages line: params pass through, the line model wins over --model', () => {
    const r = parse({ id: 5, messages: [{ role: 'user', content: 'x' }], model: 'line-model', top_p: 0.9, n: 2 });
    expect(r.id).toBe('5');
    expect(r.request).toEqual({ model: 'line-model', messages: [{ role: 'user', content: 'x' }], top_p: 0.9, n: 2 });
  });

  it('OpenAI Batch line: the body is the request, custom_id the id', () => {
    const r = parse({ custom_id: 'c-1', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4.1', messages: [{ role: 'user', content: 'x' }] } });
    expect(r).toMatchObject({ id: 'c-1', format: 'openai', request: { model: 'gpt-4.1' } });
  });

  it('a line without an id gets line-<n>', () => {
    expect(parse({ prompt: 'x' }).id).toBe('line-7');
  });

  it('flags fill only what the line leaves out; streaming options are dropped', () => {
    const d = { model: 'm', system: 'Be brief.', temperature: 0.3, maxTokens: 50 };
    expect(parseLine(line({ prompt: 'x', stream: true, stream_options: { include_usage: true } }), d).request).toEqual({
      model: 'm', temperature: 0.3, max_tokens: 50,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'x' }],
    });
    const own = parseLine(line({ messages: [{ role: 'system', content: 'Mine.' }, { role: 'user', content: 'x' }], temperature: 1, max_completion_tokens: 9 }), d).request!;
    expect(own.messages[0]).toEqual({ role: 'system', content: 'Mine.' });
    expect(own.temperature).toBe(1);
    expect(own.max_tokens).toBeUndefined();
  });
});

describe('parseLine: lines that are not requests', () => {
  it.each([
    ['{"id": "x", "prompt": ', 'invalid_json', /^line 7: not valid JSON/],
    [[1, 2], 'invalid_request', /expected a JSON object, got an array/],
    [42, 'invalid_request', /got a number/],
    [{ id: 'x' }, 'invalid_request', /no "prompt" or "messages"/],
    [{ id: 'x', prompt: 'a', messages: [] }, 'invalid_request', /either "prompt" or "messages"/],
    [{ id: 'x', prompt: 7 }, 'invalid_request', /"prompt" must be a string/],
    [{ id: 'x', messages: [] }, 'invalid_request', /"messages" is empty/],
    [{ id: 'x', messages: [{ content: 'no role' }] }, 'invalid_request', /messages\[0\] must be an object with a string "role"/],
    [{ id: {}, prompt: 'x' }, 'invalid_request', /"id" must be a non-empty string/],
    [{ custom_id: 'c', method: 'GET', url: '/v1/chat/completions', body: {} }, 'invalid_request', /"method" must be POST/],
    [{ custom_id: 'c', url: '/v1/responses', body: {} }, 'invalid_request', /"url" "\/v1\/responses" is not supported/],
    [{ custom_id: 'c', url: '/v1/chat/completions' }, 'invalid_request', /"body" must be an object/],
    [{ custom_id: '', body: {} }, 'invalid_request', /"custom_id" must be a non-empty string/],
  ])('%j -> %s', (v, code, message) => {
    const r = parse(v);
    expect(r.error?.code).toBe(code);
    expect(r.error?.message).toMatch(message);
    expect(r.request).toBeUndefined();
  });

  it('no model anywhere is flagged so the command can refuse the file before sending anything', () => {
    const r = parseLine(line({ id: 'x', prompt: 'hi' }), {});
    expect(r.missingModel).toBe(true);
    expect(r.error?.message).toMatch(/no model: add "model" to the line or pass --model/);
  });

  it('an invalid line keeps its own id when it has one, so its error record can be matched', () => {
    expect(parse({ custom_id: 'c-9', url: '/v1/embeddings', body: {} }).id).toBe('c-9');
  });

  it('auto ids: line-<n> for lines without one, marked as auto; a user id that is already line-<n> pushes it to line-<n>-auto', () => {
    const broken = { lineNo: 2, text: '{"prompt": "no closing brace"' };
    expect(parseLine(broken, {})).toMatchObject({ id: 'line-2', autoId: true });
    expect(parseLine(line({ id: 'line-2', prompt: 'x' }), {}).autoId).toBeUndefined();
    const taken = IdSet.from(['line-2', 'line-2-auto']);
    expect(parseLine(broken, {}, taken).id).toBe('line-2-auto-auto');
    expect(autoIdFor(3, taken)).toBe('line-3');
  });
});
