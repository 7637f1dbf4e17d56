import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { RelayClient } from '../../src/core/client.js';
import { RateLimiter } from '../../src/limit/limiter.js';
import { builtinPrices } from '../../src/cost/price-table.js';
import { BatchRunner, type RunnerOptions } from '../../src/batch/runner.js';
import { DiskCache } from '../../src/batch/cache.js';
import { makePricer } from '../../src/batch/pricing.js';
import { scanInput } from '../../src/batch/scan.js';
import type { LineSink } from '../../src/batch/sink.js';
import type { OutputRecord } from '../../src/batch/records.js';

let sim: SimServer;
beforeAll(async () => { sim = await startSim({ retryAfterS: 0.05, models: ['gpt-4.1-mini', 'sim-1'] }); });
afterAll(async () => { await sim?.close(); });

class Collect implements LineSink {
  lines: OutputRecord[] = [];
  write(line: string) { this.lines.push(JSON.parse(line)); }
  async close() {}
}

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

async function runBatch(text: string, o: Partial<RunnerOptions> & { baseUrl?: string; retryUnknown?: boolean } = {}) {
  const source = () => (async function* () { yield text; })();
  const defaults = { model: 'gpt-4.1-mini' };
  const scan = await scanInput(source, { defaults, dedup: o.dedup ?? true, estimate: false });
  const client = new RelayClient({ endpoint: { name: 'sim', baseUrl: o.baseUrl ?? sim.url }, timeoutMs: 5_000, retry: { retries: 3, baseDelayMs: 10, retryUnknownOutcome: o.retryUnknown ?? false } });
  const sink = new Collect();
  const runner = new BatchRunner({
    source, scan, defaults, sender: client, endpointKey: sim.url, concurrency: 4,
    limiter: new RateLimiter({}, performance.now()), tokensLimited: false, retries: 3, dedup: true,
    pricer: makePricer(builtinPrices()), sink, runId: 'test', ...o,
  });
  const events = { warnings: [] as string[], retries: 0 };
  runner.on('warning', (m: string) => events.warnings.push(m));
  runner.on('retry', () => events.retries++);
  return { runner, sink, events, client, done: runner.run().finally(() => client.close()) };
}

describe('BatchRunner', () => {
  it('identical requests are sent once and the result copied to each line', async () => {
    sim.resetStats();
    const rows = [{ id: 'a', prompt: 'same' }, { id: 'b', prompt: 'other' }, { id: 'c', prompt: 'same' }, { id: 'd', prompt: 'same' }];
    const { sink, done } = await runBatch(jsonl(rows));
    const summary = await done;
    expect(sim.stats().total.chatRequests).toBe(2);
    expect(sink.lines.map((l) => l.custom_id).sort()).toEqual(['a', 'b', 'c', 'd']);
    const same = sink.lines.filter((l) => ['a', 'c', 'd'].includes(l.custom_id));
    expect(same.filter((l) => l.relay.deduplicated)).toHaveLength(2);
    expect(new Set(same.map((l) => JSON.stringify(l.response!.body))).size).toBe(1);
    expect(summary.lines).toMatchObject({ ok: 4, deduplicated: 2 });
    expect(summary.requests).toBe(2);
  });

  it('--no-dedup sends every line', async () => {
    sim.resetStats();
    const { done } = await runBatch(jsonl([{ prompt: 'same' }, { prompt: 'same' }]), { dedup: false });
    await done;
    expect(sim.stats().total.chatRequests).toBe(2);
  });

  it('--ordered writes results in input order even when replies finish out of order', async () => {
    const slow = sim.baseUrl('jittery');
    sim.setProfile('jittery', { jitterMs: 30 });
    const rows = Array.from({ length: 40 }, (_, i) => ({ id: `o${i}`, prompt: `question ${i}` }));
    const plain = await runBatch(jsonl(rows), { baseUrl: slow, concurrency: 8 });
    await plain.done;
    expect(plain.sink.lines.map((l) => l.custom_id)).not.toEqual(rows.map((r) => r.id));
    const ordered = await runBatch(jsonl(rows), { baseUrl: slow, concurrency: 8, orderedWindow: 16 });
    await ordered.done;
    expect(ordered.sink.lines.map((l) => l.custom_id)).toEqual(rows.map((r) => r.id));
  });

  it('an HTTP failure keeps its status and body beside the error (R32 shape)', async () => {
    const { sink, done } = await runBatch(jsonl([{ id: 'x', prompt: 'hi', model: 'no-such-model' }]));
    await done;
    const rec = sink.lines[0]!;
    expect(rec.response!.status_code).toBe(404);
    expect((rec.response!.body as { error: { code: string } }).error.code).toBe('model_not_found');
    expect(rec.error!.code).toBe('model_not_found');
    expect(rec.relay.attempts).toBe(1);
  });

  it('R23: a connection lost after sending is not retried, is counted, and its prompt is costed as an estimate', async () => {
    sim.setProfile('resets', { faultScript: ['reset'] });
    const { sink, done } = await runBatch(jsonl([{ id: 'r', prompt: 'generate an image of a cat please' }]), { baseUrl: sim.baseUrl('resets') });
    await done;
    const rec = sink.lines[0]!;
    expect(rec.error!.code).toBe('disconnect');
    expect(rec.relay.attempts).toBe(1);
    expect(rec.relay.unknown_outcome_attempts).toBe(1);
    expect(rec.relay.tokens).toMatchObject({ estimated: true, completionTokens: 0 });
    expect(rec.relay.tokens!.promptTokens).toBeGreaterThan(5);
    expect(rec.relay.cost).toBeGreaterThan(0);
  });

  it('R23 with --retry-unknown: retried, and both attempts count in the cost', async () => {
    sim.setProfile('resets2', { faultScript: ['reset'] });
    const { sink, done } = await runBatch(jsonl([{ id: 'r', prompt: 'generate an image of a cat please' }]), { baseUrl: sim.baseUrl('resets2'), retryUnknown: true });
    await done;
    const rec = sink.lines[0]!;
    expect(rec.error).toBeNull();
    expect(rec.relay.attempts).toBe(2);
    expect(rec.relay.attempt_log!.map((a) => a.error)).toEqual(['disconnect', null]);
    expect(rec.relay.unknown_outcome_attempts).toBe(1);
    const once = makePricer(builtinPrices())('gpt-4.1-mini', { ...rec.relay.tokens!, estimated: false });
    expect(rec.relay.cost!).toBeGreaterThan(Number(once) / 1e15);
  });

  it('a reply cut short is retried, and the cut attempt counts in the cost as possibly billed', async () => {
    sim.setProfile('cut', { faultScript: ['truncate'] });
    const { sink, done } = await runBatch(jsonl([{ id: 'c', prompt: 'generate an image of a cat please' }]), { baseUrl: sim.baseUrl('cut') });
    await done;
    const rec = sink.lines[0]!;
    expect(rec.error).toBeNull();
    expect(rec.relay.attempt_log!.map((a) => a.error)).toEqual(['truncated', null]);
    expect(rec.relay.unknown_outcome_attempts).toBe(1);
    const once = makePricer(builtinPrices())('gpt-4.1-mini', { ...rec.relay.tokens!, estimated: false });
    expect(rec.relay.cost!).toBeGreaterThan(Number(once) / 1e15);
  });

  it('stop() cancels lines waiting to retry at once and writes nothing for them (R22)', async () => {
    sim.setProfile('always429', { faultScript: Array(100).fill('429'), retryAfterS: 20 });
    const { runner, sink, events, done } = await runBatch(jsonl([{ id: 'w1', prompt: 'a' }, { id: 'w2', prompt: 'b' }, { id: 'w3', prompt: 'c' }]),
      { baseUrl: sim.baseUrl('always429'), retries: 15 });
    await new Promise<void>((r) => runner.on('retry', () => { if (events.retries >= 3) r(); }));
    const before = sim.stats().profiles.always429!.chatRequests;
    const t = performance.now();
    runner.stop();
    const summary = await done;
    expect(performance.now() - t).toBeLessThan(1000);
    expect(sink.lines).toEqual([]);
    expect(summary.stoppedBy).toBe('interrupt');
    expect(summary.lines.notRun).toBe(3);
    expect(sim.stats().profiles.always429!.chatRequests).toBe(before);
  });

  it('a request larger than a whole minute of --tpm still runs, with a warning naming its line', async () => {
    const text = jsonl([{ id: 'big', prompt: 'hello', max_tokens: 5000 }, { id: 'small', prompt: 'hi', max_tokens: 10 }]);
    const { sink, events, done } = await runBatch(text, { limiter: new RateLimiter({ tpm: 3000 }, performance.now()), tokensLimited: true });
    await done;
    expect(sink.lines.map((l) => l.custom_id).sort()).toEqual(['big', 'small']);
    expect(events.warnings.some((w) => /^line 1 \(big\) reserves \d+ tokens, more than a whole minute of --tpm 3000; it runs alone$/.test(w))).toBe(true);
  }, 20_000);

  it('--cache: a second run is served from files created 0600, with nothing sent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-cache-'));
    const text = jsonl([{ id: 'k1', prompt: 'cache me' }, { id: 'k2', prompt: 'me too' }]);
    const first = await runBatch(text, { cache: new DiskCache(dir) });
    await first.done;
    sim.resetStats();
    const second = await runBatch(text, { cache: new DiskCache(dir) });
    const summary = await second.done;
    expect(sim.stats().total.chatRequests).toBe(0);
    expect(summary.lines.cached).toBe(2);
    expect(second.sink.lines.every((l) => l.relay.cached)).toBe(true);
    const files = readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(2);
    for (const f of files) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});

describe('DiskCache', () => {
  it('--cache-ttl: an entry older than the TTL is a miss and its file is removed', () => {
    let now = 1_000_000;
    const dir = mkdtempSync(join(tmpdir(), 'relay-ttl-'));
    const cache = new DiskCache(dir, 60_000, () => now);
    const entry = { endpoint: 'e', model: 'm', response: { status_code: 200, request_id: null, body: { ok: 1 } }, usage: null };
    cache.put('ab12', entry);
    now += 59_000;
    expect(cache.get('ab12')?.response.body).toEqual({ ok: 1 });
    now += 2_000;
    expect(cache.get('ab12')).toBeUndefined();
    expect(readdirSync(join(dir, 'ab'))).toEqual([]);
  });
});
