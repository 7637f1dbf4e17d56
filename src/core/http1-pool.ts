import { Running, type Conn, type Exchange, type ExchangeEvents } from './http1-exchange.js';
import { openSocket } from './http1-socket.js';
import { writeSoon } from './write-soon.js';

// Keep-alive HTTP/1.1 connections: the transport of the core client (chat, batch, routes) and of
// the bench's load driver. One pool per origin; in bench it is shared by every target on that
// origin, so all targets ride the same warmed connections. A request is pre-built text or bytes
// written in one call; the response goes to the exchange's events. No pipelining: one request per
// connection at a time, as undici, autocannon and wrk do by default. Idle connections do not keep
// the process alive.

export type { Exchange, ExchangeEvents } from './http1-exchange.js';

/** How long the first connection of a pool is watched after a response for a close (see release). */
const PROBE_MS = 20;

/**
 * A request waiting for a connection that is settling (see Pool.release). It is the caller's
 * Exchange from the start, so an abort or a connect deadline reaches it either way.
 */
class Queued implements Exchange {
  run: Running | undefined;
  done = false;

  constructor(readonly bytes: Buffer | string, readonly events: ExchangeEvents, readonly noBody: boolean) {}

  // Waiting for a connection is not connecting: the connect deadline starts when one is opened
  // (the write resets the attempt's clock), and the whole-request deadline covers the wait.
  get connecting(): boolean {
    return this.run ? this.run.connecting : false;
  }

  get unsent(): boolean {
    return this.run ? this.run.unsent : true;
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
  /** Their timers: they hold the process open only while requests wait for them. */
  private readonly probes = new Set<NodeJS.Timeout>();
  /** Whether this server keeps connections open after a response that did not say it would close. */
  private reuse: 'unknown' | 'keeps' | 'closes' = 'unknown';
  /** Requests sent on reused connections, and those of them lost before any reply. */
  private reusedSent = 0;
  private reusedLost = 0;
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
      for (const t of this.probes) t.ref();
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
   * closing gets a new connection per request from then on; one seen keeping it, immediate reuse
   * (until reused connections are lost too often: see lostReused).
   */
  release(conn: Conn, keepAlive: boolean, keepAliveMs: number): void {
    // Its FIN came with the response though the response did not say it would close: as below.
    if (keepAlive && conn.ended) this.stopReuse();
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
      this.probes.delete(timer);
      this.settling--;
      if (this.closed) return;
      if (conn.socket.destroyed || conn.ended) {
        // Closed by the server right after a response without saying so (no Connection: close):
        // reusing its connections would lose requests, so from now on each request gets its own.
        if (conn.ended) this.stopReuse();
        this.drop(conn);
      } else {
        if (this.reuse === 'unknown') this.reuse = 'keeps';
        conn.socket.unref();
        this.idle.push(conn);
      }
      this.serveQueue();
    };
    // Not one more wait at the end of a run: a process with nothing else to do may exit meanwhile.
    const timer = setTimeout(settle, PROBE_MS);
    if (this.queue.length === 0) timer.unref();
    this.probes.add(timer);
  }

  /**
   * A reused connection was closed before any reply came back: a fault, or a server that drops
   * its connections without saying so (after some responses, or when the next request comes,
   * which no watch after a response can see). Once that is more than a quarter of what reuse
   * carries, and not once or twice by chance, each request gets its own connection. A watch after
   * every such loss cost a healthy server 20 ms per request for as long as the connection had
   * lived before one random reset.
   */
  lostReused(): void {
    if (this.reuse !== 'closes' && ++this.reusedLost >= 3 && this.reusedLost * 4 > this.reusedSent) this.stopReuse();
  }

  /** From now on each request gets a connection of its own. */
  private stopReuse(): void {
    this.reuse = 'closes';
    for (const c of this.idle.splice(0)) this.drop(c);
  }

  close(): void {
    this.closed = true;
    for (const t of this.probes) clearTimeout(t);
    this.probes.clear();
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
    if (reused) {
      conn.socket.ref();
      this.reusedSent++;
    }
    const run = new Running(this, conn, events, noBody, reused);
    conn.current = run;
    run.bytes = bytes;
    // A new connection buffers the write until it is open anyway.
    if (!reused || !writeSoon(run)) run.flush();
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
