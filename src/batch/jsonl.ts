// JSONL input read with bounded memory: a file of any size is read chunk by chunk, and a line longer
// than `maxLineBytes` is never held: its bytes are counted and dropped, and the line comes out as
// `oversized` so it becomes an error record instead of crashing the process.
// Tolerated (shared cases R28, R30): a UTF-8 BOM, CRLF line ends, blank lines, no final newline.
// Line numbers are 1-based and count every physical line, blank ones included, so an error record
// names the line a text editor shows.

export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export type InputLine =
  | { lineNo: number; text: string; oversized?: undefined }
  | { lineNo: number; text?: undefined; oversized: number };

const LF = 0x0a;
const CR = 0x0d;

function isBlank(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}

/**
 * Yields the non-blank lines of `source`, one array per chunk read (fewer awaits per line).
 * Strings in the source are taken as UTF-8.
 */
export async function* readLines(source: AsyncIterable<Buffer | string>, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<InputLine[]> {
  let lineNo = 0;
  let parts: Buffer[] = [];
  let held = 0;
  let dropped = 0; // > 0 while inside an oversized line
  let first = true;

  const finish = (last: Buffer, start: number, end: number, out: InputLine[]) => {
    lineNo++;
    if (dropped > 0 || held + (end - start) > maxLineBytes) {
      out.push({ lineNo, oversized: dropped + held + (end - start) });
    } else {
      let buf: Buffer;
      let s = start;
      let e = end;
      if (held === 0) buf = last;
      else {
        parts.push(last.subarray(start, end));
        buf = Buffer.concat(parts);
        s = 0;
        e = buf.length;
      }
      if (first && e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
      if (e > s && buf[e - 1] === CR) e--;
      if (!isBlank(buf, s, e)) out.push({ lineNo, text: buf.toString('utf8', s, e) });
    }
    first = false;
    parts = [];
    held = 0;
    dropped = 0;
  };

  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    const out: InputLine[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) break;
      finish(chunk, start, nl, out);
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.length - start;
      if (dropped > 0 || held + rest > maxLineBytes) {
        dropped += held + rest;
        parts = [];
        held = 0;
      } else {
        // Copy: the reader may reuse its buffer, and a slice would pin the whole chunk.
        parts.push(Buffer.from(chunk.subarray(start)));
        held += rest;
      }
    }
    if (out.length) yield out;
  }
  if (held > 0 || dropped > 0) {
    const out: InputLine[] = [];
    finish(Buffer.alloc(0), 0, 0, out);
    if (out.length) yield out;
  }
}
