import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';

// Tiny chat-completions servers written in the test itself, so a test controls the bytes and the
// timing on the wire (what relay sim does not do: hold a reply open, send 1xx, close mid-body...).
// Loopback only, port 0.

export interface Received { method: string; url: string; body: any }

export type Handler = (req: IncomingMessage, res: ServerResponse, body: any, index: number) => void;

export interface ReplyServer {
  /** Base URL ending in /v1, as --base-url takes it. */
  url: string;
  /** Requests whose body was read in full, in arrival order. */
  requests: Received[];
  /** Connections accepted (TCP, or completed TLS handshakes). */
  connections(): number;
  /** TLS handshakes the client broke off (https only). */
  tlsFailures(): number;
  /** Resolves once `n` connections have closed in all (counted from the start, so none is missed). */
  closed(n: number): Promise<void>;
  /** Resolves once `n` TLS handshakes have failed in all. */
  tlsFailed(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReplyServer(handler: Handler, tls?: { cert: Buffer; key: Buffer }): Promise<ReplyServer> {
  const requests: Received[] = [];
  const count = { connections: 0, closed: 0, tlsFailures: 0 };
  const waiters: Array<{ ready: () => boolean; resolve: () => void }> = [];
  const bump = (k: keyof typeof count) => {
    count[k]++;
    for (const w of [...waiters]) if (w.ready()) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  };
  const when = (ready: () => boolean) => new Promise<void>((resolve) => (ready() ? resolve() : waiters.push({ ready, resolve })));
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const text = Buffer.concat(parts).toString('utf8');
      let body: any = text;
      try { body = JSON.parse(text); } catch { /* kept as text */ }
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      handler(req, res, body, requests.length - 1);
    });
  };
  const server: Server = tls ? createHttpsServer(tls, onRequest) : createHttpServer(onRequest);
  const onSocket = (socket: Socket) => {
    bump('connections');
    socket.once('close', () => bump('closed'));
  };
  server.on(tls ? 'secureConnection' : 'connection', onSocket);
  server.on('tlsClientError', () => bump('tlsFailures'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/v1`,
    requests,
    connections: () => count.connections,
    tlsFailures: () => count.tlsFailures,
    closed: (n) => when(() => count.closed >= n),
    tlsFailed: (n) => when(() => count.tlsFailures >= n),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections(); // a held-open reply must not keep the test waiting
      server.close(() => resolve());
    }),
  };
}

const CREATED = 1_700_000_000;

function chunk(delta: object, finish: string | null, extra: object = {}): string {
  const doc = { id: 'chatcmpl-t1', object: 'chat.completion.chunk', created: CREATED, model: 'x', choices: [{ index: 0, delta, finish_reason: finish }], ...extra };
  return `data: ${JSON.stringify(doc)}\n\n`;
}

/** A complete streamed reply: role chunk, one chunk per part, a stop chunk with usage, [DONE]. */
export function sseReply(parts: string[]): string {
  return chunk({ role: 'assistant', content: '' }, null)
    + parts.map((p) => chunk({ content: p }, null)).join('')
    + chunk({}, 'stop', { usage: { prompt_tokens: 3, completion_tokens: parts.length, total_tokens: 3 + parts.length } })
    + 'data: [DONE]\n\n';
}

/** The same reply as one non-streamed chat.completion document. */
export function jsonReply(text: string): string {
  return JSON.stringify({
    id: 'chatcmpl-t1', object: 'chat.completion', created: CREATED, model: 'x',
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  });
}

/** Answers as a well-behaved endpoint would: SSE unless the body says stream:false. */
export function answer(res: ServerResponse, body: any, parts: string[]): void {
  if (body?.stream === false) {
    const json = jsonReply(parts.join(''));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  } else {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.end(sseReply(parts));
  }
}
