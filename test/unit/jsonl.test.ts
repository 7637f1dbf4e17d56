import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readLines, type InputLine } from '../../src/batch/jsonl.js';
import { parseLine } from '../../src/batch/request.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/batch/${name}`, import.meta.url));

async function collect(chunks: Iterable<Buffer | string> | AsyncIterable<Buffer | string>, max?: number): Promise<InputLine[]> {
  const out: InputLine[] = [];
  const src = (async function* () { yield* chunks; })();
  for await (const batch of readLines(src, max)) out.push(...batch);
  return out;
}

/** Every way of cutting `buf` into two chunks, plus byte-by-byte delivery. */
function cuts(buf: Buffer): Buffer[][] {
  const ways: Buffer[][] = [];
  for (let i = 0; i <= buf.length; i++) ways.push([buf.subarray(0, i), buf.subarray(i)]);
  ways.push([...buf].map((b) => Buffer.from([b])));
  return ways;
}

describe('readLines', () => {
  it('R28: a UTF-8 BOM is stripped, so the first key is not prefixed with U+FEFF, however the bytes arrive', async () => {
    const buf = fixture('R28-jsonl-utf8-bom.jsonl');
    expect(buf.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    for (const chunks of cuts(buf)) {
      const lines = await collect(chunks);
      expect(lines.map((l) => l.lineNo)).toEqual([1, 2]);
      const items = lines.map((l) => parseLine(l, {}));
      expect(items.map((i) => i.id)).toEqual(['req-1', 'req-2']);
      expect(Object.keys(JSON.parse(lines[0]!.text!))[0]).toBe('custom_id');
    }
  });

  it('R30: CRLF endings leave no stray CR, and a last line without a final newline is read', async () => {
    const buf = fixture('R30-jsonl-crlf-no-final-newline.jsonl');
    expect(buf.includes('\r\n')).toBe(true);
    expect(buf[buf.length - 1]).not.toBe(0x0a);
    for (const chunks of cuts(buf)) {
      const lines = await collect(chunks);
      expect(lines).toHaveLength(2);
      for (const l of lines) expect(l.text!.includes('\r')).toBe(false);
      expect(lines.map((l) => parseLine(l, {}).id)).toEqual(['req-1', 'req-2']);
    }
  });

  it('skips blank and whitespace-only lines but keeps the physical line numbers', async () => {
    const lines = await collect(['{"a":1}\n\n  \t\n\r\n{"b":2}\n']);
    expect(lines.map((l) => [l.lineNo, l.text])).toEqual([[1, '{"a":1}'], [5, '{"b":2}']]);
  });

  it('a 16 MB line becomes an oversized record without being held, and the next line still reads', async () => {
    const big = Buffer.alloc(16 * 1024 * 1024, 0x61);
    async function* chunks() {
      yield '{"id":"before","prompt":"x"}\n{"id":"big","prompt":"';
      for (let i = 0; i < big.length; i += 65536) yield big.subarray(i, i + 65536);
      yield '"}\n{"id":"after","prompt":"y"}';
    }
    const lines = await collect(chunks());
    expect(lines.map((l) => l.lineNo)).toEqual([1, 2, 3]);
    expect(lines[1]!.oversized).toBeGreaterThan(16 * 1024 * 1024);
    expect(lines[1]!.text).toBeUndefined();
    const item = parseLine(lines[1]!, { model: 'm' });
    expect(item.error).toMatchObject({ code: 'line_too_long' });
    expect(item.error!.message).toMatch(/^line 2: the line is 16\.0 MB/);
    expect(parseLine(lines[2]!, { model: 'm' }).id).toBe('after');
  });

  it('a line exactly at the limit is read; one byte more is oversized', async () => {
    const at = await collect([`${'x'.repeat(10)}\n${'y'.repeat(11)}\n`], 10);
    expect(at[0]!.text).toBe('x'.repeat(10));
    expect(at[1]!.oversized).toBe(11);
  });

  it('multi-byte characters cut between chunks decode intact', async () => {
    const buf = Buffer.from('{"id":"u","prompt":"海🐕é"}\n');
    for (const chunks of cuts(buf)) {
      const [l] = await collect(chunks);
      expect(JSON.parse(l!.text!).prompt).toBe('海🐕é');
    }
  });
});

describe('a file mixing good, broken and non-object lines', () => {
  it('gives every line exactly one item: requests for the good ones, a named error for the others', async () => {
    const lines = await collect([fixture('mixed.jsonl')]);
    const items = lines.map((l) => parseLine(l, { model: 'gpt-4.1-mini' }));
    const summary = items.map((i) => [i.lineNo, i.id, i.error?.code ?? 'ok']);
    expect(summary).toEqual([
      [1, 'ok-1', 'ok'],
      [3, 'ok-2', 'ok'],
      [4, 'line-4', 'invalid_json'],
      [5, 'line-5', 'invalid_request'],
      [6, 'line-6', 'invalid_request'],
      [8, 'ok-3', 'ok'],
      [9, 'embed-1', 'invalid_request'],
      [10, 'no-messages', 'invalid_request'],
      [11, 'line-11', 'invalid_request'],
      [12, 'ok-4', 'ok'],
    ]);
    expect(items[2]!.error!.message).toMatch(/^line 4: not valid JSON/);
    expect(items[3]!.error!.message).toBe('line 5: expected a JSON object, got an array');
    expect(items[6]!.error!.message).toMatch(/"url" "\/v1\/embeddings" is not supported/);
    expect(items[9]!.request!.messages[0]!.content).toBe('Écris un haïku sur la mer. 海');
  });
});
