import { createRequire } from 'node:module';
import { isIP, connect as tcpConnect, type Socket } from 'node:net';

// Opening the pool's connections. Plain TCP connections read into one shared buffer through
// `onread`, bypassing the stream machinery: the default path allocated a buffer and ran
// Readable's bookkeeping for every read, which at bench rates was a tenth of the CPU per
// request. So the bytes handed to `onData` are valid only during the call: whatever keeps them
// (a partial head, a body in parts) copies them. TLS sockets keep the 'data' event (onread is for
// plain TCP only).

const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const onRead = new WeakMap<Socket, (chunk: Buffer) => void>();

function readInto(this: Socket, n: number, buf: Uint8Array): boolean {
  onRead.get(this)?.((buf as Buffer).subarray(0, n));
  return true;
}

// node:tls costs every start-up a few milliseconds; only an https endpoint needs it.
let tls: typeof import('node:tls') | undefined;
function loadTls(): typeof import('node:tls') {
  return (tls ??= createRequire(import.meta.url)('node:tls') as typeof import('node:tls'));
}

/** A new connection, no Nagle delay; `onData` gets what arrives (valid during the call only). */
export function openSocket(secure: boolean, host: string, port: number, onData: (chunk: Buffer) => void): Socket {
  if (secure) {
    const socket = loadTls().connect({ host, port, ALPNProtocols: ['http/1.1'], ...(isIP(host) ? {} : { servername: host }) });
    socket.setNoDelay(true);
    socket.on('data', onData);
    return socket;
  }
  const socket = tcpConnect({ host, port, onread: { buffer: READ_BUFFER, callback: readInto } });
  socket.setNoDelay(true);
  onRead.set(socket, onData);
  return socket;
}
