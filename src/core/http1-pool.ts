import type { Socket } from 'node:net';
import { HttpParseError, ResponseParser, type ResponseEvents } from './http1-parser.js';
import { openSocket } from './http1-socket.js';

// Keep-alive HTTP/1.1 connections: the transport of the core client (chat, batch, routes) and of
// the bench's load driver. One pool per origin; in bench it is shared by every target on that
// origin, so all targets ride the same warmed connections. A request is pre-built text or bytes
// written in one call; the response goes to the exchange's events. No pipelining: one request per
// connection at a time, as undici, autocannon and wrk do by default. Idle connections do not keep
// the process alive.

export interface ExchangeEvents extends ResponseEvents {
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
}

/** How long an idle connection is trusted when the server sends no keep-alive hint (undici's default). */
const DEFAULT_KEEP_ALIVE_MS = 4000;
/** Hand back idle connections this long before the server's stated keep-alive timeout ends. */
const KEEP_ALIVE_MARGIN_MS = 1000;
/** How long the first connection of a pool is watched after a response for a close (see release). */
const PROBE_MS = 20;

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

interface Conn {
  socket: Socket;
  current?: Running;
  idleUntil: number;
  /** The server closed its side (FIN): no further request may go on this connection. */
  ended: boolean;
}

class Running implements Exchange, ResponseEvents {
  parser: ResponseParser;
  finished = false;
  keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
  private opening: boolean;

  constructor(readonly pool: Pool, readonly conn: Conn, readonly events: ExchangeEvents, noBody: boolean, readonly reused: boolean) {
    // The exchange is the parser's listener itself: no closures per request on the hot path.
    this.parser = new ResponseParser(this, noBody);
    this.opening = !reused;
  }

  get connecting(): boolean {
    return this.opening;
  }

  connected(): void {
    this.opening = false;
  }

  onHead(status: number, headers: Record<string, string>): void {
    this.pool.answered = true;
    this.keepAliveMs = keepAliveFor(headers['keep-alive']);
    this.events.onHead(status, headers);
  }

  onBody(chunk: Buffer): void {
    this.events.onBody(chunk);
  }

  onEnd(): void {
    this.finished = true;
    this.conn.current = undefined;
    this.pool.release(this.conn, this.parser.keepAlive, this.keepAliveMs);
    this.events.onEnd();
  }

  data(chunk: Buffer): void {
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
    // the server's keep-alive timeout instead, as undici does.
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

/**
 * A request waiting for a connection that is settling (see Pool.release). It is the caller's
 * Exchange from the start, so an abort or a connect deadline reaches it either way.
 */
class Queued implements Exchange {
  run: Running | undefined;
  done = false;

  constructor(readonly bytes: Buffer | string, readonly events: ExchangeEvents, readonly noBody: boolean) {}

  get connecting(): boolean {
    return this.run ? this.run.connecting : true;
  }

  abort(code: string): void {
    if (this.run) return this.run.abort(code);
    if (this.done) return;
    this.done = true;
    this.events.onError(code);
  }
}

export class Pool {
  /** A response head ever came back through this pool. */
  answered = false;
  private readonly idle: Conn[] = [];
  private readonly all = new Set<Conn>();
  /** Connections watched after their first responses (see release). */
  private settling = 0;
  /** Whether this server keeps connections open after a response that did not say it would close. */
  private reuse: 'unknown' | 'keeps' | 'closes' = 'unknown';
  private closed = false;
  private readonly queue: Queued[] = [];
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;

  constructor(origin: URL) {
    this.secure = origin.protocol === 'https:';
    this.host = origin.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(origin.port) || (this.secure ? 443 : 80);
  }

  /** Sends one request on the most recently used idle connection, one about to be idle, or a new one. */
  send(bytes: Buffer | string, events: ExchangeEvents, noBody = false): Exchange {
    const conn = this.takeIdle();
    if (conn) return this.start(conn, bytes, events, noBody, true);
    // A connection finishing its response will be free in a moment: wait for it rather than open another.
    if (this.settling > this.queue.length) {
      const q = new Queued(bytes, events, noBody);
      this.queue.push(q);
      return q;
    }
    return this.start(this.open(), bytes, events, noBody, false);
  }

  /**
   * A response ended. Some servers close after every response without a Connection: close
   * header; their FIN arrives just after the response, when the next request would already be
   * written on the connection, and the server resets it: a request lost (and possibly billed, so
   * not retried). So until a pool knows its server, a released connection is watched for
   * PROBE_MS before reuse (requests meanwhile wait for it rather than open more). A server seen
   * closing gets a new connection per request from then on; one seen keeping it, immediate reuse.
   */
  release(conn: Conn, keepAlive: boolean, keepAliveMs: number): void {
    if (!keepAlive || conn.socket.destroyed || conn.ended || this.reuse === 'closes') return this.drop(conn);
    conn.idleUntil = performance.now() + keepAliveMs;
    if (this.reuse === 'keeps') {
      // Known to keep connections: reusable at once (a timer per request cost a fifth of bench's speed).
      conn.socket.unref();
      this.idle.push(conn);
      if (this.queue.length) this.serveQueue();
      return;
    }
    this.settling++;
    const settle = () => {
      this.settling--;
      if (this.closed) return;
      if (conn.socket.destroyed || conn.ended) {
        // Closed by the server right after a response without saying so (no Connection: close):
        // reusing its connections would lose requests, so from now on each request gets its own.
        if (conn.ended) this.reuse = 'closes';
        this.drop(conn);
      } else {
        if (this.reuse === 'unknown') this.reuse = 'keeps';
        conn.socket.unref();
        this.idle.push(conn);
      }
      this.serveQueue();
    };
    setTimeout(settle, PROBE_MS).unref(); // waiting requests keep the process alive, not this
  }

  close(): void {
    this.closed = true;
    for (const c of this.all) c.socket.destroy();
    this.all.clear();
    this.idle.length = 0;
    for (const q of this.queue.splice(0)) q.abort('closed');
  }

  private serveQueue(): void {
    while (this.queue.length > 0) {
      const q = this.queue[0]!;
      if (q.done) {
        this.queue.shift();
        continue;
      }
      const idle = this.takeIdle();
      const conn = idle ?? (this.queue.length > this.settling ? this.open() : undefined);
      if (!conn) return;
      this.queue.shift();
      q.done = true;
      q.run = this.start(conn, q.bytes, q.events, q.noBody, idle !== undefined);
    }
  }

  private takeIdle(): Conn | undefined {
    const now = performance.now();
    let conn: Conn | undefined;
    while ((conn = this.idle.pop())) {
      if (conn.idleUntil > now && !conn.socket.destroyed && !conn.ended) return conn;
      this.drop(conn);
    }
    return undefined;
  }

  private start(conn: Conn, bytes: Buffer | string, events: ExchangeEvents, noBody: boolean, reused: boolean): Running {
    if (reused) conn.socket.ref();
    const run = new Running(this, conn, events, noBody, reused);
    conn.current = run;
    events.onSent?.();
    if (typeof bytes === 'string') conn.socket.write(bytes, 'utf8');
    else conn.socket.write(bytes);
    return run;
  }

  private open(): Conn {
    const socket = openSocket(this.secure, this.host, this.port, (chunk: Buffer) => {
      if (conn.current) conn.current.data(chunk);
      // Bytes with no request out: the server is out of step; the connection cannot be trusted.
      else if (!isBlankLines(chunk)) socket.destroy();
    });
    const conn: Conn = { socket, idleUntil: 0, ended: false };
    this.all.add(conn);
    let failure: string | undefined;
    socket.once(this.secure ? 'secureConnect' : 'connect', () => conn.current?.connected());
    socket.on('end', () => { conn.ended = true; });
    socket.on('error', (e: NodeJS.ErrnoException) => { failure = e.code ?? 'ERROR'; });
    socket.on('close', () => {
      this.all.delete(conn);
      const i = this.idle.indexOf(conn);
      if (i >= 0) this.idle.splice(i, 1);
      const run = conn.current;
      conn.current = undefined;
      run?.lost(failure);
    });
    return conn;
  }

  private drop(conn: Conn): void {
    this.all.delete(conn);
    conn.socket.destroy();
  }
}

/** CR and LF only: what some servers send after a response, which RFC 9112 lets a client ignore. */
function isBlankLines(chunk: Buffer): boolean {
  for (let i = 0; i < chunk.length; i++) if (chunk[i] !== 13 && chunk[i] !== 10) return false;
  return true;
}

/** One pool per origin. */
export class Pools {
  private readonly pools = new Map<string, Pool>();

  get(origin: URL): Pool {
    let p = this.pools.get(origin.origin);
    if (!p) this.pools.set(origin.origin, (p = new Pool(origin)));
    return p;
  }

  close(): void {
    for (const p of this.pools.values()) p.close();
  }
}
