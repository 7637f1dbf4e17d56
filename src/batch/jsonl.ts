// JSONL input read with bounded memory: a file of any size is read chunk by chunk, and a line longer
// than `maxLineBytes` is never held: its bytes are counted and dropped, and the line comes out as
// `oversized` so it becomes an error record instead of crashing the process.
// Tolerated (shared cases R28, R30): a UTF-8 BOM, CRLF line ends, blank lines, no final newline.
// Line numbers are 1-based and count every physical line, blank ones included, so an error record
// names the line a text editor shows.
//
// Lines stay bytes (off the JS heap) until they are used: a batch of a chunk's lines is consumed
// over seconds at API speed, and decoding them all up front made the garbage collector promote
// thousands of strings per chunk to the old generation (tens of MB of RSS on a long run).

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

/** The non-blank lines of one chunk: byte ranges, decoded on demand. */
export class LineBatch {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly nos: number[] = [];
  /** Byte counts of oversized lines, by index; -1 for ordinary ones. */
  private readonly sizes: number[] = [];
  private readonly extra: Buffer[] = [];

  constructor(private readonly chunk: Buffer) {}

  get length(): number {
    return this.nos.length;
  }

  /** @internal */
  add(lineNo: number, buf: Buffer, start: number, end: number): void {
    let s = start;
    if (buf !== this.chunk) {
      // A line that spanned chunks lives in its own buffer, appended after the chunk's ones.
      this.extra.push(buf);
      s = -this.extra.length;
    }
    this.starts.push(s);
    this.ends.push(end);
    this.nos.push(lineNo);
    this.sizes.push(-1);
  }

  /** @internal */
  addOversized(lineNo: number, bytes: number): void {
    this.starts.push(0);
    this.ends.push(0);
    this.nos.push(lineNo);
    this.sizes.push(bytes);
  }

  line(i: number): InputLine {
    const lineNo = this.nos[i]!;
    if (this.sizes[i]! >= 0) return { lineNo, oversized: this.sizes[i]! };
    const s = this.starts[i]!;
    const text = s < 0 ? this.extra[-s - 1]!.toString('utf8', 0, this.ends[i]) : this.chunk.toString('utf8', s, this.ends[i]);
    return { lineNo, text };
  }

  *[Symbol.iterator](): IterableIterator<InputLine> {
    for (let i = 0; i < this.length; i++) yield this.line(i);
  }
}

/** Yields the non-blank lines of `source`, one batch per chunk read. Strings are taken as UTF-8. */
export async function* readLines(source: AsyncIterable<Buffer | string>, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<LineBatch> {
  let lineNo = 0;
  let parts: Buffer[] = [];
  let held = 0;
  let dropped = 0; // > 0 while inside an oversized line
  let first = true;

  const finish = (out: LineBatch, last: Buffer, start: number, end: number) => {
    lineNo++;
    if (dropped > 0 || held + (end - start) > maxLineBytes) out.addOversized(lineNo, dropped + held + (end - start));
    else {
      let buf = last;
      let s = start;
      let e = end;
      if (held > 0) {
        parts.push(last.subarray(start, end));
        buf = Buffer.concat(parts);
        s = 0;
        e = buf.length;
      }
      if (first && e - s >= 3 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
      if (e > s && buf[e - 1] === CR) e--;
      if (!isBlank(buf, s, e)) {
        if (held > 0) out.add(lineNo, s === 0 && e === buf.length ? buf : buf.subarray(s, e), 0, e - s);
        else out.add(lineNo, buf, s, e);
      }
    }
    first = false;
    parts = [];
    held = 0;
    dropped = 0;
  };

  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    const out = new LineBatch(chunk);
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl < 0) break;
      finish(out, chunk, start, nl);
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
    const empty = Buffer.alloc(0);
    const out = new LineBatch(empty);
    finish(out, empty, 0, 0);
    if (out.length) yield out;
  }
}
