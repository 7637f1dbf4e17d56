import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assembleCompletion } from '../../src/core/assemble.js';
import { parseRateLimitHeaders } from '../../src/core/ratelimit-headers.js';
import { decideRetry, DEFAULT_RETRY, type Failure } from '../../src/core/retry.js';
import { createStreamReader, isComplete } from '../../src/core/stream-reader.js';
import type { Assembled, StreamDelta } from '../../src/core/types.js';
import { normalizeUsage } from '../../src/core/usage.js';
import { cutAt, everyTwoWayCut, type Delivery } from '../helpers/sse-feed.js';

// Recorded responses of real servers (../shared/cases/wire, see SOURCES.md there). They belong to their
// publishers and are read in place, never copied into this repository; without that folder this file skips.

const WIRE = fileURLToPath(new URL('../../../shared/cases/wire/', import.meta.url));
const present = existsSync(WIRE);
if (!present) console.warn(`wire-conformance: skipped, ${WIRE} not found (recorded server responses live outside the repo)`);
const files = present ? readdirSync(WIRE).sort() : [];

interface Expected {
  content?: string;
  contentStartsWith?: string;
  reasoning?: boolean;
  finish: string | null;
  usage?: [prompt: number, completion: number, total: number];
  reasoningTokens?: number;
  noUsage?: boolean;
  tools?: Array<[name: string, args: unknown]>;
  model?: string;
  id?: string;
}

// What SOURCES.md says each recording must yield.
const STREAMS: Record<string, Expected> = {
  'anthropic-claude-haiku-4-5.openai-compatible-stream.tool-call-index-1.vercel-ai.sse': {
    content: 'Reading it.', finish: 'tool_calls', tools: [['read_file', { path: 'a.txt' }]], model: 'claude-haiku-4-5-20251001', noUsage: true,
  },
  'azure-openai-stream.model-router.prompt_filter_results.vercel-ai.chunks.txt': {
    content: 'Capital of Denmark.', finish: 'stop', usage: [15, 78, 93], reasoningTokens: 64,
    model: 'gpt-5-nano-2025-08-07', id: 'chatcmpl-CYPS1lijGoK8gd9lYzY3r9Sx50nbt',
  },
  'deepseek-reasoner-stream.reasoning_content.vercel-ai.chunks.txt': {
    contentStartsWith: 'The word "strawberry"', reasoning: true, finish: 'stop', usage: [18, 219, 237], reasoningTokens: 205,
  },
  'openai-chat-stream.gpt-4.1-nano.include-usage.vercel-ai.chunks.txt': { contentStartsWith: '**Holiday Name:**', finish: 'stop', usage: [16, 300, 316] },
  'openai-chat-stream.gpt-5.1.include-usage.200.body.sse': { content: 'six', finish: 'stop', usage: [33, 10, 43] },
  'openai-chat-stream.gpt-5.1.no-usage.200.body.sse': { content: 'six', finish: 'stop', noUsage: true },
  'openrouter-kimi-k2.tool-call-stream.variant-a.simonw-llm.body.sse': { content: '', finish: null, tools: [['llm_version', {}]], usage: [57, 17, 74] },
  'openrouter-kimi-k2.tool-call-stream.variant-b.simonw-llm.body.sse': { content: '', finish: null, tools: [['llm_version', {}]], usage: [57, 17, 74] },
};

/** A .chunks.txt replayed the way its publisher's harness does: `data: <line>\n\n` each, then `data: [DONE]\n\n`. */
function chunksToSse(text: string): Buffer {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return Buffer.from(lines.map((l) => `data: ${l}\n\n`).join('') + 'data: [DONE]\n\n');
}

function streamBytes(file: string): Buffer {
  const raw = readFileSync(WIRE + file);
  return file.endsWith('.chunks.txt') ? chunksToSse(raw.toString('utf8')) : raw;
}

function ways(bytes: Buffer): Delivery[] {
  const out: Delivery[] = [{ how: 'whole', chunks: [bytes] }];
  out.push({ how: '1-byte pieces', chunks: [...bytes].map((b) => Uint8Array.of(b)) });
  for (const size of [3, 64, 1000]) {
    const offsets: number[] = [];
    for (let o = size; o < bytes.length; o += size) offsets.push(o);
    out.push({ how: `${size}-byte pieces`, chunks: cutAt(bytes, offsets) });
  }
  if (bytes.length <= 4096) out.push(...everyTwoWayCut(bytes));
  return out;
}

function read(chunks: Uint8Array[]): { state: Assembled; shown: string } {
  let shown = '';
  const r = createStreamReader({ onDelta: (d: StreamDelta) => { if (d.kind === 'content') shown += d.text; } });
  for (const c of chunks) r.push(c);
  return { state: r.end(), shown };
}

function sane(s: Assembled, shown: string, how: string): void {
  expect(s.error, how).toBeUndefined();
  expect(isComplete(s), how).toBe(true);
  expect(s.content.includes('\uFFFD') || s.reasoning.includes('\uFFFD'), how).toBe(false);
  expect(s.content.length > 0 || s.toolCalls.length > 0, how).toBe(true);
  expect(shown, how).toBe(s.content);
  expect(s.model, how).toBeTruthy();
  for (const t of s.toolCalls) {
    expect(t.function.name, how).not.toBe('');
    expect(() => JSON.parse(t.function.arguments), how).not.toThrow();
  }
  if (s.usage) {
    const u = normalizeUsage(s.usage)!;
    expect(u.totalTokens, how).toBe(u.promptTokens + u.completionTokens);
    expect(u.reasoningTokens, how).toBeLessThanOrEqual(u.completionTokens);
  }
}

function matches(s: Assembled, exp: Expected, how: string): void {
  if (exp.content !== undefined) expect(s.content, how).toBe(exp.content);
  if (exp.contentStartsWith !== undefined) expect(s.content.startsWith(exp.contentStartsWith), how).toBe(true);
  expect(s.reasoning.length > 0, how).toBe(exp.reasoning ?? false);
  expect(s.finishReason, how).toBe(exp.finish);
  if (exp.usage) {
    const u = normalizeUsage(s.usage);
    expect([u?.promptTokens, u?.completionTokens, u?.totalTokens], how).toEqual(exp.usage);
    expect(u?.reasoningTokens, how).toBe(exp.reasoningTokens ?? 0);
  }
  if (exp.noUsage) expect(s.usage, how).toBeUndefined();
  expect(s.toolCalls.map((t) => [t.function.name, JSON.parse(t.function.arguments)]), how).toEqual(exp.tools ?? []);
  if (exp.model) expect(s.model, how).toBe(exp.model);
  if (exp.id) expect(s.id, how).toBe(exp.id);
}

describe.skipIf(!present)('wire conformance: recorded streams (../shared/cases/wire)', () => {
  const streams = files.filter((f) => f.endsWith('.sse') || f.endsWith('.chunks.txt'));

  it('finds the recorded streams SOURCES.md lists', () => {
    for (const f of Object.keys(STREAMS)) expect(streams, f).toContain(f);
  });

  for (const file of streams) {
    it(`${file}: sane content, usage and finish, however the body is cut`, () => {
      const exp = STREAMS[file];
      const [whole, ...rest] = ways(streamBytes(file));
      const base = read(whole!.chunks);
      sane(base.state, base.shown, file);
      if (exp) matches(base.state, exp, file);
      const want = JSON.stringify(base);
      // Every other cut must give exactly the same result (checked cheaply, asserted on mismatch).
      for (const d of rest) {
        const got = JSON.stringify(read(d.chunks));
        if (got !== want) expect(got, `${file} (${d.how})`).toBe(want);
      }
    });
  }
});

describe.skipIf(!present)('wire conformance: recorded bodies and headers', () => {
  const bodies = files.filter((f) => f.endsWith('.body.json') || f.endsWith('.vercel-ai-fixture.json'));

  for (const file of bodies) {
    it(`${file}: assembles to a reply or to the server's error`, () => {
      const body = JSON.parse(readFileSync(WIRE + file, 'utf8'));
      const a = assembleCompletion(body);
      if (file.startsWith('openai-error.')) {
        const code = /openai-error\.\d+\.([a-z_]+)\./.exec(file)![1];
        expect(a.error?.code).toBe(code);
        expect(a.error?.message).toBeTruthy();
        return;
      }
      expect(a.error).toBeUndefined();
      expect(a.content.length).toBeGreaterThan(0);
      expect(a.finishReason).toBe('stop');
      const u = normalizeUsage(a.usage)!;
      expect(u.totalTokens).toBe(u.promptTokens + u.completionTokens);
      expect(u.promptTokens).toBeGreaterThan(0);
    });
  }

  it('openai-chat-completion.gpt-5.1.200.body.json: "six", 33/10/43', () => {
    const a = assembleCompletion(JSON.parse(readFileSync(WIRE + 'openai-chat-completion.gpt-5.1.200.body.json', 'utf8')));
    expect(a.content).toBe('six');
    expect(normalizeUsage(a.usage)).toMatchObject({ promptTokens: 33, completionTokens: 10, totalTokens: 43 });
  });

  it('the OpenAI TPM 429 body is a rate limit (retried, not quota), never earlier than its "try again in 6ms"', () => {
    const body = JSON.parse(readFileSync(WIRE + 'openai-error.429.rate_limit_exceeded.tokens.body.json', 'utf8'));
    const d = decideRetry({ kind: 'http', status: 429, headers: {}, body }, { retriesDone: 0, deliveredToUser: false }, DEFAULT_RETRY, () => 0);
    expect(d).toEqual({ retry: true, delayMs: 6, reason: '429 rate limited' });
  });

  it('the Anthropic 429 (no retry-after) waits for the exhausted requests bucket: reset 20:00:00 − date 19:59:59', () => {
    const rec = JSON.parse(readFileSync(WIRE + 'anthropic-error.429.headers-as-reported.json', 'utf8')) as { status: number; headers: Record<string, string> };
    const f: Failure = { kind: 'http', status: rec.status, headers: rec.headers };
    expect(decideRetry(f, { retriesDone: 0, deliveredToUser: false }, DEFAULT_RETRY, () => 0.5)).toEqual({ retry: true, delayMs: 1000, reason: '429 rate limited' });
    expect(parseRateLimitHeaders(rec.headers)).toMatchObject({ source: 'anthropic', remainingRequests: 0, resetRequestsMs: 1000, remainingTokens: 16000 });
  });

  it('the OpenAI 429 without any hint falls back to jittered backoff', () => {
    const rec = JSON.parse(readFileSync(WIRE + 'openai-error.429.responses-api.headers-as-reported.json', 'utf8')) as { status: number; headers: Record<string, string> };
    const d = decideRetry({ kind: 'http', status: rec.status, headers: rec.headers }, { retriesDone: 1, deliveredToUser: false }, DEFAULT_RETRY, () => 0.5);
    expect(d).toEqual({ retry: true, delayMs: 500, reason: '429 rate limited' });
  });

  for (const file of files.filter((f) => f.endsWith('.meta.json'))) {
    it(`${file}: rate-limit headers parse`, () => {
      const meta = JSON.parse(readFileSync(WIRE + file, 'utf8')) as { response: { headers: Record<string, string[]> } };
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(meta.response.headers)) flat[k.toLowerCase()] = v.join(', ');
      const snap = parseRateLimitHeaders(flat);
      if (flat['x-ratelimit-limit-requests'] === undefined) return expect(snap.source).toBe('none');
      expect(snap.source).toBe('openai');
      for (const k of ['limitRequests', 'remainingRequests', 'resetRequestsMs', 'limitTokens', 'remainingTokens', 'resetTokensMs'] as const) {
        expect(Number.isFinite(snap[k]), `${file} ${k}`).toBe(true);
      }
    });
  }
});
