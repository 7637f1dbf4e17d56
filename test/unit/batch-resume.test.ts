import { mkdtempSync, readFileSync, writeFileSync, existsSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyOutputLine } from '../../src/batch/records.js';
import { prepareResume, tempPathFor } from '../../src/batch/resume.js';
import { IdSet, canonicalHash, canonicalJson, HashList, hash53 } from '../../src/batch/keys.js';

const fixture = (name: string) => new URL(`../../fixtures/batch/${name}`, import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'relay-resume-test-'));
let n = 0;
const file = (text: string) => {
  const p = join(dir, `out-${n++}.jsonl`);
  writeFileSync(p, text);
  return p;
};
const ok = (id: string) => JSON.stringify({ id: `b_${id}`, custom_id: id, response: { status_code: 200, request_id: 'r', body: { choices: [] } }, error: null, relay: {} });
const bad = (id: string, code = '500') => JSON.stringify({ id: `b_${id}`, custom_id: id, response: { status_code: 500, request_id: 'r', body: {} }, error: { code, message: 'x' }, relay: {} });
const ids = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).custom_id);

describe('classifyOutputLine (R32: status and body decide, not error: null alone)', () => {
  it('joins the R32 file by custom_id: req-1 success, req-2 context_length_exceeded, req-3 batch_expired', () => {
    const lines = readFileSync(fixture('R32-batch-output-4xx-in-response-body.jsonl'), 'utf8').trim().split('\n');
    const got = Object.fromEntries(lines.map((l) => classifyOutputLine(l)!).map((r) => [r.customId, r]));
    expect(got['req-1']).toEqual({ customId: 'req-1', ok: true });
    expect(got['req-2']).toEqual({ customId: 'req-2', ok: false, code: 'context_length_exceeded' });
    expect(got['req-3']).toEqual({ customId: 'req-3', ok: false, code: 'batch_expired' });
  });

  it.each([
    ['{"custom_id":"a","response":null,"error":null}', false],
    ['{"custom_id":"a","response":{"status_code":200,"body":{}},"error":{"code":"x"}}', false],
    ['{"custom_id":"a","response":{"status_code":204,"body":null},"error":null}', true],
    ['{"response":{"status_code":200}}', undefined],
    ['{"custom_id":"a", "resp', undefined],
  ])('%s -> ok %s', (text, want) => {
    expect(classifyOutputLine(text)?.ok).toBe(want);
  });
});

describe('prepareResume', () => {
  it('a torn last line (kill -9 mid-write) is cut off and its id runs again', async () => {
    const torn = `${ok('a')}\n${ok('b')}\n${ok('c').slice(0, 40)}`;
    const p = file(torn);
    const r = await prepareResume(p, { skipFailed: false });
    expect(r.repairedBytes).toBe(40);
    expect(readFileSync(p, 'utf8')).toBe(`${ok('a')}\n${ok('b')}\n`);
    expect([r.done.has('a'), r.done.has('b'), r.done.has('c')]).toEqual([true, true, false]);
  });

  it('a whole last record that only lacks its newline is kept, and the newline added', async () => {
    const p = file(`${ok('a')}\n${ok('b')}`);
    const r = await prepareResume(p, { skipFailed: false });
    expect(r.repairedBytes).toBe(0);
    expect(readFileSync(p, 'utf8')).toBe(`${ok('a')}\n${ok('b')}\n`);
    expect(r.done.size).toBe(2);
  });

  it('failed lines are removed (they run again), atomically; successes stay byte for byte', async () => {
    const p = file(`${ok('a')}\n${bad('b')}\n${ok('c')}\n`);
    const r = await prepareResume(p, { skipFailed: false });
    expect(r).toMatchObject({ succeeded: 2, failedRemoved: 1, rewritten: true });
    expect(readFileSync(p, 'utf8')).toBe(`${ok('a')}\n${ok('c')}\n`);
    expect(r.done.has('b')).toBe(false);
    expect(existsSync(tempPathFor(p))).toBe(false);
  });

  it('--skip-failed keeps failures as done, but never for an id that also succeeded', async () => {
    const p = file(`${bad('a')}\n${bad('b')}\n${ok('a')}\n${bad('b')}\n`);
    const r = await prepareResume(p, { skipFailed: true });
    expect(ids(readFileSync(p, 'utf8')).sort()).toEqual(['a', 'b']);
    expect(r).toMatchObject({ succeeded: 1, failedKept: 1, failedRemoved: 2 });
    expect(r.done.has('a') && r.done.has('b')).toBe(true);
  });

  it('duplicate successes are removed, leaving each id once', async () => {
    const p = file(`${ok('a')}\n${ok('a')}\n${ok('b')}\n`);
    const r = await prepareResume(p, { skipFailed: false });
    expect(ids(readFileSync(p, 'utf8'))).toEqual(['a', 'b']);
    expect(r).toMatchObject({ duplicates: 1, unreadable: 0 });
  });

  it.each([
    ['a notes file', 'shopping list\nmilk\n'],
    ['the input file itself (simple lines)', '{"id":"q1","prompt":"hi"}\n{"id":"q2","prompt":"yo"}\n'],
    ['an OpenAI Batch input file', '{"custom_id":"a","method":"POST","url":"/v1/chat/completions","body":{}}\n'],
    ['results with one foreign complete line in the middle', `${ok('a')}\nnot json\n${ok('b')}\n`],
    ['results whose complete last line is foreign', `${ok('a')}\nnot json\n`],
  ])('%s is refused (exit 2) and left byte for byte as it was', async (_what, text) => {
    const p = file(text);
    const err = await prepareResume(p, { skipFailed: false }).then(() => undefined, (e) => e);
    expect(err?.exitCode).toBe(2);
    expect(err.message).toMatch(/is not a relay batch output file \((line \d+ is|\d+ lines are) not/);
    expect(err.message).not.toContain('\n');
    expect(readFileSync(p, 'utf8')).toBe(text);
    expect(existsSync(tempPathFor(p))).toBe(false);
  });

  it('a clean file is left untouched', async () => {
    const text = `${ok('a')}\n${ok('b')}\n`;
    const p = file(text);
    const r = await prepareResume(p, { skipFailed: false });
    expect(r.rewritten).toBe(false);
    expect(readFileSync(p, 'utf8')).toBe(text);
  });

  it('an OpenAI Batch output file (R32) resumes by custom_id: only req-1 is done', async () => {
    const p = join(dir, 'r32.jsonl');
    copyFileSync(fixture('R32-batch-output-4xx-in-response-body.jsonl'), p);
    const r = await prepareResume(p, { skipFailed: false });
    expect(['req-1', 'req-2', 'req-3'].map((id) => r.done.has(id))).toEqual([true, false, false]);
    expect(ids(readFileSync(p, 'utf8'))).toEqual(['req-1']);
  });

  it('a missing file means nothing is done', async () => {
    const r = await prepareResume(join(dir, 'absent.jsonl'), { skipFailed: false });
    expect(r.existed).toBe(false);
    expect(r.done.size).toBe(0);
  });
});

describe('keys', () => {
  it('canonical JSON ignores key order at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(canonicalJson({ a: { c: null, d: [2, 1] }, b: 1 }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    // Undefined members are left out as JSON.stringify leaves them out, wherever they are.
    expect(canonicalJson({ a: undefined, c: 'x', b: [undefined] })).toBe('{"b":[null],"c":"x"}');
    expect(canonicalJson({ z: 1, a: undefined })).toBe(JSON.stringify({ z: 1 }));
  });

  it('canonicalHash: equal for the same request in any key order, different for any real change', () => {
    const a = { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16, temperature: 0.5 };
    const b = { temperature: 0.5, max_tokens: 16, messages: [{ content: 'hi', role: 'user' }], model: 'm', seed: undefined };
    expect(canonicalHash(a)).toBe(canonicalHash(b));
    const changed = [
      { ...a, max_tokens: 17 }, { ...a, temperature: '0.5' }, { ...a, messages: [{ role: 'user', content: 'hi ' }] },
      { ...a, messages: [{ role: 'user', content: 'hi' }, { role: 'user', content: 'hi' }] }, { ...a, stop: null }, { ...a, stop: [] },
      { ...a, stop: {} }, { ...a, stop: ['a', 'b'] }, { ...a, stop: ['ab'] }, { ...a, stop: ['a,b'] }, { ...a, n: true }, { ...a, n: false },
    ];
    const hashes = new Set([canonicalHash(a), ...changed.map(canonicalHash)]);
    expect(hashes.size).toBe(changed.length + 1);
    // Text of equal canonical JSON, equal hash; 10,000 distinct prompts, no collision.
    const many = new Set(Array.from({ length: 10_000 }, (_, i) => canonicalHash({ ...a, messages: [{ role: 'user', content: `q${i}` }] })));
    expect(many.size).toBe(10_000);
  });

  it('IdSet answers membership exactly for 100,000 ids', () => {
    const set = IdSet.from(Array.from({ length: 100_000 }, (_, i) => `id-${i}`));
    expect(set.size).toBe(100_000);
    for (let i = 0; i < 100_000; i += 997) expect(set.has(`id-${i}`)).toBe(true);
    for (let i = 100_000; i < 110_000; i++) expect(set.has(`id-${i}`)).toBe(false);
  });

  it('HashList finds the repeats and how often they occur', () => {
    const l = new HashList();
    for (const s of ['a', 'b', 'a', 'c', 'a', 'b']) l.push(hash53(s));
    const r = l.repeats();
    expect(r.get(hash53('a'))).toBe(3);
    expect(r.get(hash53('b'))).toBe(2);
    expect(r.has(hash53('c'))).toBe(false);
  });
});
