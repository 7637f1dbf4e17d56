import { describe, expect, it } from 'vitest';
import { createSseDecoder } from '../../src/core/sse.js';
import type { SseEvent } from '../../src/core/types.js';
import { deliveries, everyTwoWayCut, listedSplits, sseFixture } from '../helpers/sse-feed.js';

const enc = new TextEncoder();

function decode(chunks: Uint8Array[], end = true): { events: SseEvent[]; comments: string[]; lines: number } {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let lines = 0;
  const d = createSseDecoder((e) => events.push(e), (c) => comments.push(c), () => lines++);
  for (const c of chunks) d.push(c);
  if (end) d.end();
  return { events, comments, lines };
}

function decodeText(...parts: string[]): SseEvent[] {
  return decode(parts.map((p) => enc.encode(p))).events;
}

describe('SSE decoder: shared cases at the event level', () => {
  it('R02: a CRLF split across pushes is one line ending; one event "A\\nB\\nC"', () => {
    const bytes = sseFixture('R02-crlf-split-across-chunks.sse');
    for (const d of [...deliveries(bytes, listedSplits('R02-crlf-split-across-chunks.sse')), ...everyTwoWayCut(bytes)]) {
      expect(decode(d.chunks).events, d.how).toEqual([{ data: 'A\nB\nC' }]);
    }
  });

  it('R02: the exact chunking of the bug report gives one event', () => {
    expect(decodeText('data: A\r\n', 'data: B\r', '\n', 'data: C\r\n', '\n')).toEqual([{ data: 'A\nB\nC' }]);
  });

  it('R02b: exactly 3 data events, none empty, for every cut', () => {
    const bytes = sseFixture('R02b-crlf-json-stream.sse');
    for (const d of [...deliveries(bytes, listedSplits('R02b-crlf-json-stream.sse')), ...everyTwoWayCut(bytes)]) {
      const { events } = decode(d.chunks);
      expect(events.length, d.how).toBe(3);
      expect(events.every((e) => e.data.length > 0), d.how).toBe(true);
      expect(events[2]!.data).toBe('[DONE]');
    }
  });

  it('R03: LF then CRLF ends the event, and it is dispatched before EOF (no end())', () => {
    const bytes = sseFixture('R03-mixed-lf-then-crlf-delimiter.sse');
    const whole = decode([bytes], false).events;
    expect(whole).toHaveLength(1);
    expect(JSON.parse(whole[0]!.data).choices[0].delta.content).toBe('first');
    // The CR already ends the blank line: the event must not wait for the LF that follows it.
    const allButLast = decode([bytes.subarray(0, bytes.length - 1)], false).events;
    expect(allButLast).toHaveLength(1);
    // Delivered byte by byte, still exactly one event and still before EOF.
    const pieces = [...bytes].map((b) => Uint8Array.of(b));
    expect(decode(pieces, false).events).toHaveLength(1);
  });

  it('R04: comment lines go to onComment, never into data', () => {
    const { events, comments } = decode([sseFixture('R04-sse-comment-keepalives.sse')]);
    expect(comments).toEqual(['OPENROUTER PROCESSING', 'OPENROUTER PROCESSING', '', 'ping - 2024-02-23 06:52:12.876102']);
    expect(events.map((e) => e.data.startsWith('{') || e.data === '[DONE]')).toEqual([true, true, true, true]);
  });

  it('R06: data lines of one event are joined with \\n and parse as one JSON document', () => {
    const { events } = decode([sseFixture('R06-multiline-data-field.sse')]);
    expect(events).toHaveLength(2);
    expect(events[0]!.data.split('\n')).toHaveLength(3);
    expect(JSON.parse(events[0]!.data).choices[0].delta.content).toBe('Hello');
  });

  it('UTF-8 cut anywhere, from a buffer the caller reuses, decodes as TextDecoder decodes the whole body', () => {
    // 2-, 3- and 4-byte characters, an invalid lead byte, a stray continuation byte, and a
    // character cut short by the end of the body (one U+FFFD, as UTF-8 decode gives).
    const bytes = Buffer.concat([enc.encode('data: é日🐕x\n\ndata: a'), Buffer.from([0xff, 0x80]), enc.encode('b\n\ndata: ω'), Buffer.from([0xf0, 0x9f, 0x90])]);
    const want = decode([bytes]).events.map((e) => e.data);
    expect(want).toEqual(['é日🐕x', 'a\uFFFD\uFFFDb', 'ω\uFFFD']);
    expect(want).toEqual(new TextDecoder().decode(bytes).split('\n\n').map((e) => e.slice('data: '.length)));
    const scratch = Buffer.alloc(bytes.length);
    const cuts = [...Array.from({ length: bytes.length - 1 }, (_, i) => [i + 1]), Array.from({ length: bytes.length }, (_, i) => i)];
    for (const cut of cuts) {
      const events: SseEvent[] = [];
      const d = createSseDecoder((e) => events.push(e));
      const ends = [...cut.filter((c) => c > 0), bytes.length];
      let from = 0;
      for (const to of ends) {
        bytes.copy(scratch, 0, from, to);
        d.push(scratch.subarray(0, to - from));
        scratch.fill(0x21); // the next read lands here
        from = to;
      }
      d.end();
      expect(events.map((e) => e.data), `cut at ${cut.length > 1 ? 'every byte' : cut[0]}`).toEqual(want);
    }
  });

  it('R01: a UTF-8 character cut between pushes is decoded whole', () => {
    const bytes = sseFixture('R01-utf8-split-midchar.sse');
    for (const d of deliveries(bytes, listedSplits('R01-utf8-split-midchar.sse'))) {
      const text = decode(d.chunks).events.map((e) => e.data).join('');
      expect(text.includes('\uFFFD'), d.how).toBe(false);
      expect(text, d.how).toContain('известни');
      expect(text, d.how).toContain('日本語🐕');
    }
  });
});

describe('SSE decoder: field rules (WHATWG)', () => {
  const table: Array<{ name: string; input: string[]; events: SseEvent[] }> = [
    { name: 'one space after the colon is removed', input: ['data: x\n\n'], events: [{ data: 'x' }] },
    { name: 'no space after the colon (R05)', input: ['data:x\n\n'], events: [{ data: 'x' }] },
    { name: 'only one space is removed', input: ['data:  x\n\n'], events: [{ data: ' x' }] },
    { name: 'CR-only line endings', input: ['data: a\rdata: b\r\r'], events: [{ data: 'a\nb' }] },
    { name: 'CRLF line endings', input: ['data: a\r\n\r\n'], events: [{ data: 'a' }] },
    { name: 'mixed endings in one stream', input: ['data: a\n\r\ndata: b\r\rdata: c\r\n\n'], events: [{ data: 'a' }, { data: 'b' }, { data: 'c' }] },
    { name: 'event and id fields', input: ['event: error\nid: 7\ndata: {}\n\n'], events: [{ event: 'error', data: '{}', id: '7' }] },
    { name: 'event "message" is the default type', input: ['event: message\ndata: m\n\n'], events: [{ data: 'm' }] },
    { name: 'the event type does not leak into the next event', input: ['event: x\ndata: 1\n\ndata: 2\n\n'], events: [{ event: 'x', data: '1' }, { data: '2' }] },
    { name: 'a blank line without data dispatches nothing', input: ['\n\n\r\n', 'event: x\n\n', 'data: y\n\n'], events: [{ data: 'y' }] },
    { name: '"data" without a colon is an empty data line', input: ['data\ndata: z\n\n'], events: [{ data: '\nz' }] },
    { name: 'empty data still dispatches an event', input: ['data:\n\n'], events: [{ data: '' }] },
    { name: 'retry and unknown fields are ignored', input: ['retry: 10\nfoo: bar\ndata: q\n\n'], events: [{ data: 'q' }] },
    { name: 'a colon inside the value is kept', input: ['data: {"a":"b:c"}\n\n'], events: [{ data: '{"a":"b:c"}' }] },
    { name: 'a UTF-8 BOM at the start is skipped', input: ['\uFEFFdata: b\n\n'], events: [{ data: 'b' }] },
    { name: 'a field line at EOF without the blank line is dispatched', input: ['data: [DONE]\n'], events: [{ data: '[DONE]' }] },
    { name: 'an unterminated last line at EOF is dispatched', input: ['data: [DONE]'], events: [{ data: '[DONE]' }] },
    { name: 'comment between data lines does not split the event', input: ['data: a\n: ka\ndata: b\n\n'], events: [{ data: 'a\nb' }] },
  ];
  for (const row of table) {
    it(row.name, () => {
      expect(decodeText(...row.input)).toEqual(row.events);
      // and the same bytes byte by byte
      const bytes = enc.encode(row.input.join(''));
      expect(decode([...bytes].map((b) => Uint8Array.of(b))).events).toEqual(row.events);
    });
  }

  it('reports every line as activity, comments and blank lines included', () => {
    expect(decode([enc.encode(': keep-alive\n\n: ping\n\ndata: x\n\n')]).lines).toBe(6);
  });

  it('ignores pushes after end()', () => {
    const events: SseEvent[] = [];
    const d = createSseDecoder((e) => events.push(e));
    d.push(enc.encode('data: a\n\n'));
    d.end();
    d.push(enc.encode('data: b\n\n'));
    d.end();
    expect(events).toEqual([{ data: 'a' }]);
  });

  it('keeps a long line split over many pushes intact', () => {
    const long = 'x'.repeat(100_000);
    const chunks: string[] = ['data: '];
    for (let i = 0; i < long.length; i += 7) chunks.push(long.slice(i, i + 7));
    chunks.push('\n\n');
    expect(decodeText(...chunks)).toEqual([{ data: long }]);
  });
});
