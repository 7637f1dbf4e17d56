import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RelayClient } from '../../src/core/client.js';
import { failureCode, requestMetrics } from '../../src/bench/metrics.js';
import { TargetRecorder } from '../../src/bench/recorder.js';
import { clientSender, type Outcome } from '../../src/bench/send.js';
import { rawSender } from '../../src/bench/raw-send.js';
import type { ExchangeEvents, Pools } from '../../src/core/http1-pool.js';
import { summarize } from '../../src/bench/hdr.js';

// Metric definitions on recorded traces: each trace is a stream's reads with their arrival times.
// Both senders read them (the bench's own driver, and RelayClient for routes), through a transport
// that hands over the bytes and moves a virtual clock; the recorder turns them into metrics.

interface Trace {
  status: number;
  headers: Record<string, string>;
  headersAt: number;
  reads: Array<{ at: number; data: string }>;
  expect: { ttfb: number; ttft: number; itl: number[]; e2e: number; outputTokens: number; tpot: number; tokensPerChunk: number };
}

const TRACES = fileURLToPath(new URL('../../fixtures/bench/traces/', import.meta.url));
const WIRE = fileURLToPath(new URL('../../../shared/cases/wire/', import.meta.url));

let clock = 0;

/** The connection pool (the driver's and the client's), replaced by one that plays the trace (the HTTP parser has its own tests). */
function replayPool(t: Pick<Trace, 'status' | 'headers' | 'headersAt' | 'reads'>): Pools {
  const send = (_bytes: Buffer, e: ExchangeEvents) => {
    // Each read in a turn of its own, as reads that arrive at different times are: reads of one
    // turn share one time (core/read-clock.ts).
    const steps = [
      () => { clock = t.headersAt; e.onHead(t.status, t.headers); },
      ...t.reads.map((r) => () => { clock = r.at; e.onBody(Buffer.from(r.data, 'utf8')); }),
      () => e.onEnd(),
    ];
    const play = (i: number) => setImmediate(() => {
      steps[i]!();
      if (i + 1 < steps.length) play(i + 1);
    });
    play(0);
    return { abort() {}, connecting: false };
  };
  return { get: () => ({ send }), close() {} } as unknown as Pools;
}

type Via = 'driver' | 'client';

async function send(t: Pick<Trace, 'status' | 'headers' | 'headersAt' | 'reads'>, stream = true, via: Via = 'driver'): Promise<Outcome> {
  clock = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
  const req = { model: 'm', messages: [{ role: 'user' as const, content: 'hi' }] };
  if (via === 'driver') {
    return rawSender({ baseUrl: 'http://127.0.0.1:9/v1', headers: {} }, {
      stream, includeUsage: true, timeoutMs: 60_000, idleTimeoutMs: 0, connectTimeoutMs: 10_000, userAgent: 'relay/test', pools: replayPool(t),
    })(req);
  }
  const client = new RelayClient({ endpoint: { name: 'trace', baseUrl: 'http://127.0.0.1:9/v1' }, pools: replayPool(t) });
  return clientSender(client, stream)(req);
}

afterEach(() => { vi.restoreAllMocks(); });

describe('metrics on recorded traces', () => {
  const files = readdirSync(TRACES).filter((f) => f.endsWith('.json')).sort();

  it('has traces to check', () => expect(files.length).toBeGreaterThanOrEqual(3));

  it.each(files.flatMap((f) => (['driver', 'client'] as Via[]).map((via) => [f, via] as const)))('%s through the %s', async (file, via) => {
    const trace = JSON.parse(readFileSync(TRACES + file, 'utf8')) as Trace;
    const o = await send(trace, true, via);
    expect(o.ok).toBe(true);
    const e = trace.expect;
    expect(o.ttfb).toBeCloseTo(e.ttfb, 6);
    expect(o.e2e).toBeCloseTo(e.e2e, 6);
    expect(o.outputTokens).toBe(e.outputTokens);
    const m = requestMetrics(o, o.outputTokens, true);
    // TTFT is the first chunk with content or reasoning: never the role-only chunk, never a comment.
    expect(m.ttft).toBeCloseTo(e.ttft, 6);
    expect(m.ttft!).toBeGreaterThan(trace.reads[0]!.at);
    // ITL: gaps between content chunks only, so it has one value fewer than there are chunks and no TTFT in it.
    expect(m.itl.map((g) => Math.round(g * 1000) / 1000)).toEqual(e.itl);
    expect(m.tpot).toBeCloseTo(e.tpot, 5);
    expect(m.tpot).toBeCloseTo((e.e2e - e.ttft) / (e.outputTokens - 1), 9);
    expect(m.tokensPerChunk).toBeCloseTo(e.tokensPerChunk, 5);

    const rec = new TargetRecorder(true);
    rec.add({ seq: 0, target: 0, warmup: false, intended: 0, sent: 0, openLoop: false, outcome: o });
    rec.flush();
    expect(summarize(rec.totals.ttft).p50).toBeCloseTo(e.ttft, 0);
    expect(summarize(rec.totals.itl).count).toBe(e.itl.length);
    expect(summarize(rec.totals.itlToken).max).toBeCloseTo(Math.max(...e.itl) / e.tokensPerChunk, 0);
    expect(rec.counts).toMatchObject({ requests: 1, ok: 1, outputTokens: e.outputTokens });
  });

  it('a real OpenAI stream (shared wire recording, times 10 ms apart): TTFT skips the role-only chunk', async (ctx) => {
    const file = WIRE + 'openai-chat-stream.gpt-5.1.include-usage.200.body.sse';
    if (!existsSync(file)) ctx.skip(`${file} is absent (the shared cases folder is not next to the repo)`);
    const events = readFileSync(file, 'utf8').split(/\n\n/).filter((x) => x.trim() !== '');
    const reads = events.map((data, i) => ({ at: 10 * (i + 1), data: data + '\n\n' }));
    const firstText = events.findIndex((data) => {
      const body = data.replace(/^data: ?/, '');
      if (body === '[DONE]') return false;
      const delta = JSON.parse(body).choices?.[0]?.delta ?? {};
      return (typeof delta.content === 'string' && delta.content !== '') || (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '');
    });
    expect(firstText).toBeGreaterThan(0);
    const o = await send({ status: 200, headers: { 'content-type': 'text/event-stream' }, headersAt: 5, reads });
    expect(o.ok).toBe(true);
    expect(requestMetrics(o, o.outputTokens, true).ttft).toBe(reads[firstText]!.at);
  });

  it('--no-stream: TTFB and E2E only, no TTFT, ITL or TPOT', async () => {
    const body = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'four words right here' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
    const o = await send({ status: 200, headers: { 'content-type': 'application/json' }, headersAt: 50, reads: [{ at: 50.5, data: body.slice(0, 40) }, { at: 90, data: body.slice(40) }] }, false);
    const m = requestMetrics(o, o.outputTokens, false);
    expect(m).toEqual({ ttfb: 50, e2e: 90, itl: [], tokensPerSec: 4 / 0.09 });
  });

  it('a failed request is an error by code, its time kept apart from the latency metrics', async () => {
    const o = await send({ status: 503, headers: { 'content-type': 'application/json' }, headersAt: 30, reads: [{ at: 31, data: '{"error":{"message":"busy"}}' }] });
    expect(o).toMatchObject({ ok: false, status: 503, code: '503' });
    const rec = new TargetRecorder(true);
    rec.add({ seq: 0, target: 0, warmup: false, intended: 0, sent: 0, openLoop: false, outcome: o });
    rec.flush();
    expect(rec.counts).toMatchObject({ requests: 1, ok: 0, errors: { 503: 1 } });
    expect(rec.totals.e2e.totalCount).toBe(0);
    expect(rec.totals.failed.totalCount).toBe(1);
  });

  it('a stream cut off without finish_reason or [DONE] counts as truncated', async () => {
    const trace = JSON.parse(readFileSync(TRACES + 'openai-role-first.json', 'utf8')) as Trace;
    const o = await send({ ...trace, reads: trace.reads.slice(0, 3) });
    expect(o).toMatchObject({ ok: false, code: 'truncated' });
  });
});

describe('requestMetrics', () => {
  it.each([
    ['one token: no TPOT', { ttfb: 5, e2e: 40, chunks: [30] }, 1, { ttft: 30, itl: [], tpot: undefined }],
    ['no usage and no estimate: no per-token figures', { ttfb: 5, e2e: 40, chunks: [10, 20, 35] }, undefined, { ttft: 10, itl: [10, 15], tpot: undefined, tokensPerChunk: undefined }],
    ['TPOT = (E2E - TTFT) / (tokens - 1)', { ttfb: 5, e2e: 110, chunks: [10, 60, 110] }, 6, { ttft: 10, itl: [50, 50], tpot: 20, tokensPerChunk: 2 }],
  ] as const)('%s', (_name, times, tokens, want) => {
    const m = requestMetrics({ ...times, chunks: [...times.chunks] }, tokens, true);
    for (const [k, v] of Object.entries(want)) expect(m[k as keyof typeof m], k).toEqual(v);
  });
});

describe('failureCode', () => {
  it.each([
    [{ kind: 'http', status: 429, headers: {} }, '429'],
    [{ kind: 'timeout', phase: 'headers' }, 'timeout'],
    [{ kind: 'disconnect', code: 'ECONNRESET' }, 'reset'],
    [{ kind: 'disconnect', code: 'UND_ERR_SOCKET' }, 'reset'],
    [{ kind: 'connect', code: 'ECONNREFUSED' }, 'ECONNREFUSED'],
    [{ kind: 'truncated' }, 'truncated'],
    [{ kind: 'stream_error', error: { message: 'x' } }, 'stream_error'],
  ] as const)('%j -> %s', (f, code) => expect(failureCode(f as never)).toBe(code));
});
