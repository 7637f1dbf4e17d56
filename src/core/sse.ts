import type { SseEvent } from './types.js';

// Byte-level server-sent-events decoder following the WHATWG rules
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
//
// Why it is written this way (shared cases in ../shared/cases/README.md):
// - R01: a UTF-8 character cut by a network chunk boundary is completed by the next chunk instead of
//   becoming U+FFFD: the incomplete tail of a push is held back (at most 3 bytes) and decoded with
//   the next one; at end() what is left becomes U+FFFD. (A streaming TextDecoder does the same, but
//   costs a native converter per stream and a slower decode per push: at bench's event rates that
//   was a fifth of the allocation.) A BOM at the very start is dropped, as UTF-8 decode does.
// - R02/R03: CR, LF and CRLF all end a line. A CR at the very end of a push ends the line at once (so an
//   event is dispatched without waiting for more bytes) and remembers to drop an LF that starts the next
//   push, so a CRLF split across pushes is one line ending, not an extra blank line.
// - R04: lines starting with ':' are comments (keep-alives); they never reach the JSON decoder.
// - R05: the single space after "field:" is optional (at most one is removed).
// - R06: several data lines of one event are joined with '\n'.
// - At end(), a field line that was never followed by a blank line (a body ending "data: [DONE]\n") is
//   still dispatched, and so is an unterminated last line; WHATWG would drop both, real servers send both.
//
// Speed: text is scanned with indexOf for the next CR/LF (positions cached, so each character is looked
// at a constant number of times); a line split across pushes is joined once, never per byte.

export interface SseDecoder {
  push(bytes: Uint8Array): void;
  end(): void;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;

/**
 * @param onEvent   called once per dispatched event (blank line, or end() with a pending data field)
 * @param onComment called with the text after ':' (one leading space removed) of each comment line
 * @param onLine    called once per line of any kind (blank lines and comments too): activity for idle timers
 */
export function createSseDecoder(
  onEvent: (e: SseEvent) => void,
  onComment?: (text: string) => void,
  onLine?: () => void,
): SseDecoder {
  let carry: Buffer | undefined; // the incomplete UTF-8 character at the end of the last push
  let started = false; // some text was decoded (a BOM is dropped only at the very start)
  let partial = ''; // text of the current, not yet terminated line
  let skipLeadingLF = false; // previous text ended with CR: an LF at the start of the next one belongs to it
  let data = '';
  let hasData = false;
  let eventType = '';
  let lastId: string | undefined;
  let ended = false;

  function dispatch(): void {
    if (!hasData) {
      eventType = '';
      return;
    }
    const e: SseEvent = { data };
    if (eventType !== '' && eventType !== 'message') e.event = eventType;
    if (lastId !== undefined) e.id = lastId;
    data = '';
    hasData = false;
    eventType = '';
    onEvent(e);
  }

  function line(text: string): void {
    if (onLine) onLine();
    const len = text.length;
    if (len === 0) {
      dispatch();
      return;
    }
    if (text.charCodeAt(0) === COLON) {
      if (onComment) onComment(text.charCodeAt(1) === SPACE ? text.slice(2) : text.slice(1));
      return;
    }
    const colon = text.indexOf(':');
    let value = '';
    if (colon !== -1) {
      const start = text.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
      value = start >= len ? '' : text.slice(start);
    }
    // Hot path: "data" is by far the most common field; compare without slicing the name out.
    if (colon === 4 && text.startsWith('data')) {
      if (hasData) data += '\n' + value;
      else {
        data = value;
        hasData = true;
      }
      return;
    }
    const field = colon === -1 ? text : text.slice(0, colon);
    if (field === 'data') {
      // "data" without a colon: an empty data line.
      if (hasData) data += '\n';
      else hasData = true;
    } else if (field === 'event') eventType = value;
    else if (field === 'id') {
      if (value.indexOf('\0') === -1) lastId = value;
    }
    // "retry" and unknown fields are ignored: reconnection is the client's business, not the parser's.
  }

  function text(t: string): void {
    if (!started) {
      started = true;
      if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
    }
    feed(t);
  }

  function feed(text: string): void {
    const len = text.length;
    if (len === 0) return;
    let pos = 0;
    if (skipLeadingLF) {
      skipLeadingLF = false;
      if (text.charCodeAt(0) === LF) pos = 1;
    }
    let nextLF = -2; // -2: not searched yet; -1: none left in this text
    let nextCR = -2;
    while (pos < len) {
      if (nextLF !== -1 && nextLF < pos) nextLF = text.indexOf('\n', pos);
      if (nextCR !== -1 && nextCR < pos) nextCR = text.indexOf('\r', pos);
      let brk: number;
      if (nextLF === -1) brk = nextCR;
      else if (nextCR === -1) brk = nextLF;
      else brk = nextLF < nextCR ? nextLF : nextCR;
      if (brk === -1) {
        partial += pos === 0 ? text : text.slice(pos);
        return;
      }
      let lineText = text.slice(pos, brk);
      if (partial !== '') {
        lineText = partial + lineText;
        partial = '';
      }
      pos = brk + 1;
      if (text.charCodeAt(brk) === CR) {
        if (pos < len) {
          if (text.charCodeAt(pos) === LF) pos++;
        } else skipLeadingLF = true;
      }
      line(lineText);
    }
  }

  return {
    push(bytes: Uint8Array): void {
      if (ended || bytes.length === 0) return;
      let buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (carry) {
        buf = Buffer.concat([carry, buf]);
        carry = undefined;
      }
      const cut = completeLength(buf);
      // A copy: the caller may reuse its buffer (the pool reads every connection into one).
      if (cut < buf.length) carry = Buffer.from(buf.subarray(cut));
      if (cut > 0) text(buf.toString('utf8', 0, cut));
    },
    end(): void {
      if (ended) return;
      ended = true;
      if (carry) text(carry.toString('utf8'));
      carry = undefined;
      if (partial !== '') {
        const last = partial;
        partial = '';
        line(last);
      }
      dispatch();
    },
  };
}

/** Bytes of `buf` up to the start of a UTF-8 character that the buffer cuts short (0-3 bytes held back). */
function completeLength(buf: Buffer): number {
  const n = buf.length;
  let i = n - 1;
  // Back over continuation bytes (10xxxxxx) to the lead byte of the last character, at most 3.
  while (i >= 0 && i > n - 4 && (buf[i]! & 0xc0) === 0x80) i--;
  if (i < 0) return n;
  const lead = buf[i]!;
  const size = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? (lead < 0xf0 ? 3 : 1) : lead >= 0xc2 ? 2 : 1;
  return n - i < size ? i : n;
}
