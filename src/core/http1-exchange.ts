import type { Socket } from 'node:net';
import { HttpParseError, ResponseParser, type ResponseEvents } from './http1-parser.js';
import type { Pool } from './http1-pool.js';
import type { PendingWrite } from './write-soon.js';

// One request and its response on a pool's connection (http1-pool.ts): the parser's listener,
// the keep-alive hint, and what happens when the connection goes away mid-exchange.

export interface ExchangeEvents extends ResponseEvents {
  /** `laterInRead`: other body bytes came before these in the same socket read. */
  onBody(chunk: Buffer, laterInRead?: boolean): void;
  /**
   * The exchange failed: a socket error code, 'reset' (closed early), 'malformed_http' or the abort code.
   * `unheard`: the connection was new, nothing came back on it, and this server has never answered
   * this pool at all (what a plain-HTTP request to an HTTPS port looks like).
   */
  onError(code: string, unheard?: boolean): void;
  /** The request is being written now (later than send() when it waited for a connection). */
  onSent?(): void;
}

export interface Exchange {
  abort(code: string): void;
  /** True while the connection is still being opened. */
  readonly connecting: boolean;
  /** Nothing of the request has been written: a failure now cannot have reached the server. */
  readonly unsent: boolean;
}

/** How long an idle connection is trusted when the server sends no keep-alive hint (undici's default). */
const DEFAULT_KEEP_ALIVE_MS = 4000;
/** Hand back idle connections this long before the server's stated keep-alive timeout ends. */
const KEEP_ALIVE_MARGIN_MS = 1000;

// A server sends the same hint on every response: read it once, not once per response.
let lastHint: string | undefined;
let lastHintMs = DEFAULT_KEEP_ALIVE_MS;

function keepAliveFor(hint: string | undefined): number {
  if (hint === undefined) return DEFAULT_KEEP_ALIVE_MS;
  if (hint !== lastHint) {
    const m = /timeout=(\d+)/i.exec(hint);
    lastHint = hint;
    lastHintMs = m ? Math.max(0, Number(m[1]) * 1000 - KEEP_ALIVE_MARGIN_MS) : DEFAULT_KEEP_ALIVE_MS;
  }
  return lastHintMs;
}

export interface Conn {
  socket: Socket;
  current?: Running;
  idleUntil: number;
  /** The server closed its side (FIN): no further request may go on this connection. */
  ended: boolean;
}

export class Running implements Exchange, ResponseEvents, PendingWrite {
  parser: ResponseParser;
  finished = false;
  keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
  /** The request, until it is written. */
  bytes: Buffer | string | undefined;
  private opening: boolean;
  /** The head and body pieces handed on since the current socket read began. */
  private pieces = 0;

  constructor(readonly pool: Pool, readonly conn: Conn, readonly events: ExchangeEvents, noBody: boolean, readonly reused: boolean) {
    // The exchange is the parser's listener itself: no closures per request on the hot path.
    this.parser = new ResponseParser(this, noBody);
    this.opening = !reused;
  }

  get connecting(): boolean {
    return this.opening;
  }

  get unsent(): boolean {
    return this.opening || this.bytes !== undefined;
  }

  flush(): void {
    const bytes = this.bytes;
    if (this.finished || bytes === undefined) return;
    // The connection went (the server closed it, or the pool was closed) while the write waited
    // for the end of a batch of reads: the request never left, so its failure is safe to retry.
    if (this.conn.socket.destroyed || this.conn.ended) return this.fail('reset');
    this.bytes = undefined;
    this.events.onSent?.();
    if (typeof bytes === 'string') this.conn.socket.write(bytes, 'utf8');
    else this.conn.socket.write(bytes);
  }

  connected(): void {
    this.opening = false;
  }

  onHead(status: number, headers: Record<string, string>): void {
    this.pool.answered = true;
    this.pieces++; // a body that came in the same read as the head is a later piece of it
    this.keepAliveMs = keepAliveFor(headers['keep-alive']);
    this.events.onHead(status, headers);
  }

  onBody(chunk: Buffer): void {
    this.events.onBody(chunk, this.pieces++ > 0);
  }

  onEnd(): void {
    this.finished = true;
    this.conn.current = undefined;
    this.pool.release(this.conn, this.parser.keepAlive, this.keepAliveMs);
    this.events.onEnd();
  }

  data(chunk: Buffer): void {
    this.pieces = 0;
    try {
      this.parser.execute(chunk);
    } catch (e) {
      this.fail(e instanceof HttpParseError ? 'malformed_http' : 'internal');
    }
  }

  /** The socket went away (error or close) while this exchange was on it. */
  lost(code: string | undefined): void {
    if (this.finished) return;
    if (code === undefined && this.parser.close()) return; // a body that ends with the connection
    // Never sent again, even on a reused connection closed before any byte came back: the server
    // may have read it (a reset fault looks exactly like that). Idle connections are retired before
    // the server's keep-alive timeout instead, as undici does. But such a close is also what a
    // server that drops connections without saying so looks like (Pool.lostReused).
    if (this.reused && this.parser.received === 0) this.pool.lostReused();
    this.fail(code ?? 'reset', !this.reused && this.parser.received === 0 && !this.pool.answered);
  }

  abort(code: string): void {
    if (!this.finished) this.fail(code);
  }

  private fail(code: string, unheard = false): void {
    this.finished = true;
    this.conn.current = undefined;
    this.conn.socket.destroy();
    this.events.onError(code, unheard);
  }
}

