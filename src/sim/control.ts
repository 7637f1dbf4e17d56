import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimServer } from './server.js';

// The control API under /__sim/, for tests and demos on the same machine. Loopback clients only:
// with --host 0.0.0.0 the simulator may be reachable from elsewhere, its controls never are.
//   GET  /__sim/stats               counters per profile, and write lateness of streamed replies (see SimStats)
//   GET  /__sim/requests            per profile, the last 200,000 streamed replies: x-request-id, and
//                                   when the request was seen, the first token and the last byte left
//                                   (epoch ms, the clock performance.timeOrigin + performance.now())
//   POST /__sim/stats/reset         zero the counters (and forget those replies)
//   GET  /__sim/profiles            every profile's settings (a key shows as "(set)")
//   POST /__sim/profile/NAME        JSON settings to change (or create) a profile, e.g.
//                                   {"latency":"150ms","faults":"500=0.5","script":"429,ok"}
//   POST /__sim/pause               {"ms": 2000, "profile"?: NAME}: arriving requests wait it out

function isLoopback(addr: string | undefined): boolean {
  return addr !== undefined && (addr.startsWith('127.') || addr === '::1' || addr.startsWith('::ffff:127.'));
}

function send(res: ServerResponse, status: number, doc: unknown): void {
  const body = JSON.stringify(doc);
  res.writeHead(status, ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body))]);
  res.end(body);
}

function fail(res: ServerResponse, status: number, message: string): void {
  send(res, status, { error: { message, type: 'invalid_request_error', param: null, code: null } });
}

function readJson(req: IncomingMessage, done: (value: unknown, error?: string) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (b: Buffer) => {
    size += b.length;
    if (size <= 1 << 20) chunks.push(b);
  });
  req.on('end', () => {
    if (size > 1 << 20) return done(undefined, 'body larger than 1 MB');
    const text = Buffer.concat(chunks).toString('utf8').trim();
    if (text === '') return done({});
    try {
      done(JSON.parse(text));
    } catch (e) {
      done(undefined, `body is not JSON: ${(e as Error).message}`);
    }
  });
}

export function handleControl(sim: SimServer, req: IncomingMessage, res: ServerResponse, path: string): void {
  if (!isLoopback(req.socket.remoteAddress)) {
    req.resume();
    return fail(res, 404, `Invalid URL (${req.method} /__sim${path})`);
  }
  const method = req.method ?? 'GET';
  if (method === 'GET') {
    req.resume();
    if (path === '/stats') return send(res, 200, sim.stats());
    if (path === '/requests') return send(res, 200, sim.requests());
    if (path === '/profiles') {
      const out: Record<string, unknown> = {};
      for (const name of sim.profileNames()) out[name] = { url: sim.baseUrl(name), ...sim.profileSettings(name) };
      return send(res, 200, out);
    }
    return fail(res, 404, `unknown control path GET /__sim${path}`);
  }
  if (method !== 'POST') {
    req.resume();
    return fail(res, 405, 'the control API takes GET and POST');
  }
  readJson(req, (body, error) => {
    if (error) return fail(res, 400, error);
    try {
      if (path === '/stats/reset') {
        sim.resetStats();
        return send(res, 200, sim.stats());
      }
      if (path === '/pause') {
        const b = (body ?? {}) as { ms?: unknown; profile?: unknown };
        const ms = Number(b.ms);
        if (!Number.isFinite(ms) || ms < 0) return fail(res, 400, 'pause needs {"ms": milliseconds >= 0}');
        sim.pause(ms, typeof b.profile === 'string' ? b.profile : undefined);
        return send(res, 200, { paused: ms, profile: b.profile ?? null });
      }
      if (path.startsWith('/profile/')) {
        const name = decodeURIComponent(path.slice('/profile/'.length));
        if (!body || typeof body !== 'object' || Array.isArray(body)) return fail(res, 400, 'profile settings must be a JSON object');
        return send(res, 200, { name, url: sim.baseUrl(name), ...sim.setProfile(name, body as Record<string, unknown>) });
      }
      return fail(res, 404, `unknown control path POST /__sim${path}`);
    } catch (e) {
      return fail(res, 400, (e as Error).message);
    }
  });
}
