// An incremental HTTP/1.1 response parser (RFC 9112), just what the bench's load driver needs:
// status line, headers, and a body framed by Content-Length, chunked transfer coding, or the end
// of the connection. 1xx interim responses are skipped. Body bytes are handed on as slices of the
// buffer given to execute(), never copied, and are valid only during the call: the pool reads every
// connection into one shared buffer. A partial head or chunk-size line is copied to be kept.

export interface ResponseEvents {
  onHead(status: number, headers: Record<string, string>): void;
  onBody(chunk: Buffer): void;
  onEnd(): void;
}

export class HttpParseError extends Error {}

type State = 'head' | 'length' | 'size' | 'data' | 'data-crlf' | 'trailers' | 'close' | 'done';

const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;

const isSpace = (c: number) => c === 32 || c === 9;
/** Headers that name one thing: sent twice, the first counts (a request id of "a, b" names nothing, a wait of "2, 2" none). */
const FIRST_ONLY = new Set(['x-request-id', 'request-id', 'content-type', 'retry-after', 'retry-after-ms', 'x-ms-retry-after-ms']);

export class ResponseParser {
  private state: State = 'head';
  private pending: Buffer | undefined;
  private remaining = 0;
  /** False when the connection may not carry another request after this response. */
  keepAlive = true;
  /** Bytes of the response seen so far (0: the server sent nothing). */
  received = 0;

  constructor(private readonly events: ResponseEvents, private readonly noBody = false) {}

  get done(): boolean {
    return this.state === 'done';
  }

  execute(data: Buffer): void {
    this.received += data.length;
    let buf = this.pending ? Buffer.concat([this.pending, data]) : data;
    this.pending = undefined;
    let i = 0;
    while (i < buf.length && this.state !== 'done') {
      switch (this.state) {
        case 'head': {
          // Empty lines before a status line are ignored (RFC 9112 2.2): some servers send a stray
          // CRLF after a response, which then arrives ahead of the next one.
          // (A partial head kept for the next chunk never starts with one, so this skips nothing of it.)
          while (i < buf.length && (buf[i] === 13 || buf[i] === 10)) i++;
          if (i === buf.length) return;
          const end = buf.indexOf(HEAD_END, i);
          if (end < 0) {
            if (buf.length - i > MAX_HEAD) throw new HttpParseError('response head larger than 64 KB');
            this.pending = Buffer.from(buf.subarray(i));
            return;
          }
          this.head(buf.toString('latin1', i, end));
          i = end + 4;
          break;
        }
        case 'length': {
          const n = Math.min(this.remaining, buf.length - i);
          this.events.onBody(buf.subarray(i, i + n));
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.finish();
          break;
        }
        case 'close':
          this.events.onBody(buf.subarray(i));
          i = buf.length;
          break;
        case 'size':
        case 'trailers':
        case 'data-crlf': {
          const end = buf.indexOf(CRLF, i);
          if (end < 0) {
            if (buf.length - i > 4096) throw new HttpParseError('chunk size line too long');
            this.pending = Buffer.from(buf.subarray(i));
            return;
          }
          const from = i;
          i = end + 2;
          this.line(buf, from, end);
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, buf.length - i);
          this.events.onBody(buf.subarray(i, i + n));
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = 'data-crlf';
          break;
        }
      }
    }
  }

  /** The connection ended. Returns true when that completed the response (a close-delimited body). */
  close(): boolean {
    if (this.state === 'close') {
      this.finish();
      return true;
    }
    return this.state === 'done';
  }

  private finish(): void {
    this.state = 'done';
    this.events.onEnd();
  }

  /** A CRLF-terminated line of the chunked framing, bytes [from, end) of buf. */
  private line(buf: Buffer, from: number, end: number): void {
    if (this.state === 'data-crlf') {
      if (end !== from) throw new HttpParseError('chunk data longer than its size');
      this.state = 'size';
    } else if (this.state === 'size') {
      // Hex digits, then optional whitespace and ;extensions (RFC 9112 7.1.1), read without a string.
      let size = 0;
      let k = from;
      for (; k < end; k++) {
        const c = buf[k]!;
        const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
        if (v < 0) break;
        size = size * 16 + v;
      }
      const rest = k < end ? buf[k] : undefined;
      if (k === from || (rest !== undefined && rest !== 59 && rest !== 32 && rest !== 9) || size > Number.MAX_SAFE_INTEGER) {
        throw new HttpParseError(`bad chunk size "${buf.toString('latin1', from, Math.min(end, from + 20))}"`);
      }
      if (size === 0) this.state = 'trailers';
      else {
        this.remaining = size;
        this.state = 'data';
      }
    } else if (end === from) {
      this.finish(); // end of trailers
    }
  }

  private head(text: string): void {
    // "HTTP/1.1 200 OK": checked by position, cheaper than a regular expression per response.
    let eol = text.indexOf('\r\n');
    if (eol < 0) eol = text.length;
    const minor = text.charCodeAt(7) - 48;
    const d0 = text.charCodeAt(9) - 48;
    const d1 = text.charCodeAt(10) - 48;
    const d2 = text.charCodeAt(11) - 48;
    const status = d0 * 100 + d1 * 10 + d2;
    if (!text.startsWith('HTTP/1.') || (minor !== 0 && minor !== 1) || text.charCodeAt(8) !== 32
      || !(d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) || (eol > 12 && text.charCodeAt(12) !== 32)) {
      throw new HttpParseError(`not an HTTP/1.x response: "${text.slice(0, Math.min(eol, 40))}"`);
    }
    if (status >= 100 && status < 200 && status !== 101) return; // interim response: the real one follows
    const headers: Record<string, string> = {};
    let at = eol + 2;
    while (at < text.length) {
      let end = text.indexOf('\r\n', at);
      if (end < 0) end = text.length;
      const c = text.indexOf(':', at);
      if (c > at && c < end) {
        // Spaces are skipped by position: a slice and a trim per header were most of this loop.
        let v0 = c + 1;
        let v1 = end;
        while (v0 < v1 && isSpace(text.charCodeAt(v0))) v0++;
        while (v1 > v0 && isSpace(text.charCodeAt(v1 - 1))) v1--;
        let n1 = c;
        while (n1 > at && isSpace(text.charCodeAt(n1 - 1))) n1--;
        const name = text.slice(at, n1).toLowerCase();
        const value = text.slice(v0, v1);
        const prev = headers[name];
        if (prev === undefined) headers[name] = value;
        else if (!FIRST_ONLY.has(name)) headers[name] = `${prev}, ${value}`;
      }
      at = end + 2;
    }
    const connection = headers.connection;
    this.keepAlive = connection === undefined ? minor === 1
      : minor === 1 ? !/close/i.test(connection) : /keep-alive/i.test(connection);
    this.events.onHead(status, headers);
    if (this.noBody || status === 204 || status === 304) return this.finish();
    const te = headers['transfer-encoding'];
    if (te !== undefined && /chunked/i.test(te)) {
      this.state = 'size';
    } else if (headers['content-length'] !== undefined) {
      const cl = headers['content-length'];
      const comma = cl.indexOf(',');
      const n = Number(comma < 0 ? cl : cl.slice(0, comma));
      // Sent twice, the lengths must agree (RFC 9112 6.3): otherwise where the body ends is a guess.
      if (comma >= 0 && cl.split(',').some((v) => Number(v) !== n)) throw new HttpParseError(`conflicting content-length "${cl}"`);
      if (!Number.isInteger(n) || n < 0) throw new HttpParseError(`bad content-length "${headers['content-length']}"`);
      this.remaining = n;
      this.state = 'length';
      if (n === 0) this.finish();
    } else {
      this.state = 'close';
      this.keepAlive = false;
    }
  }
}
