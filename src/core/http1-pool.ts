import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { HttpParseError, ResponseParser, type ResponseEvents } from './http1-parser.js';

// Keep-alive HTTP/1.1 connections: the transport of the core client (chat, batch, routes) and of
// the bench's load driver. One pool per origin; in bench it is shared by every target on that
// origin, so all targets ride the same warmed connections. A request is pre-built text or bytes
// written in one call; the response goes to the exchange's events. No pipelining: one request per
// connection at a time, as undici, autocannon and wrk do by default. Idle connections do not keep
// the process alive.

export interface ExchangeEvents extends ResponseEvents {
  /** The exchange failed: a socket error code, 'reset' (closed early), 'malformed_http' or the abort code. */
  onError(code: string): void;
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
}

class Running implements Exchange, ResponseEvents {
  parser: ResponseParser;
  finished = false;
  keepAliveMs = DEFAULT_KEEP_ALIVE_MS;
  private opening: boolean;

  constructor(readonly pool: Pool, readonly conn: Conn, readonly events: ExchangeEvents, noBody: boolean, reused: boolean) {
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
    this.fail(code ?? 'reset');
  }

  abort(code: string): void {
    if (!this.finished) this.fail(code);
  }

  private fail(code: string): void {
    this.finished = true;
    this.conn.current = undefined;
    this.conn.socket.destroy();
    this.events.onError(code);
  }
}

export class Pool {
  private readonly idle: Conn[] = [];
  private readonly all = new Set<Conn>();
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;

  constructor(origin: URL) {
    this.secure = origin.protocol === 'https:';
    this.host = origin.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(origin.port) || (this.secure ? 443 : 80);
  }

  /** Sends one request on the most recently used idle connection, or a new one. */
  send(bytes: Buffer | string, events: ExchangeEvents, noBody = false): Exchange {
    let conn: Conn | undefined;
    const now = performance.now();
    while ((conn = this.idle.pop())) {
      if (conn.idleUntil > now && !conn.socket.destroyed) break;
      this.drop(conn);
      conn = undefined;
    }
    const reused = conn !== undefined;
    if (conn) conn.socket.ref();
    else conn = this.open();
    const run = new Running(this, conn, events, noBody, reused);
    conn.current = run;
    if (typeof bytes === 'string') conn.socket.write(bytes, 'utf8');
    else conn.socket.write(bytes);
    return run;
  }

  release(conn: Conn, keepAlive: boolean, keepAliveMs: number): void {
    if (!keepAlive || conn.socket.destroyed) return this.drop(conn);
    conn.idleUntil = performance.now() + keepAliveMs;
    conn.socket.unref();
    this.idle.push(conn);
  }

  close(): void {
    for (const c of this.all) c.socket.destroy();
    this.all.clear();
    this.idle.length = 0;
  }

  private open(): Conn {
    const socket = this.secure
      ? tlsConnect({ host: this.host, port: this.port, ALPNProtocols: ['http/1.1'], ...(isIP(this.host) ? {} : { servername: this.host }) })
      : tcpConnect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    const conn: Conn = { socket, idleUntil: 0 };
    this.all.add(conn);
    let failure: string | undefined;
    socket.once(this.secure ? 'secureConnect' : 'connect', () => conn.current?.connected());
    socket.on('data', (chunk: Buffer) => conn.current?.data(chunk));
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
