import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runAttempt } from '../../src/core/attempt.js';
import { endpointUrl, requestHead, requestText } from '../../src/core/http1-head.js';
import { Pools } from '../../src/core/http1-pool.js';
import { readTime } from '../../src/core/read-clock.js';
import { writeSoon } from '../../src/core/write-soon.js';

// Requests sent while replies are being read (the next line of a batch, the next request of a
// closed-loop bench) are written together once the reads are handled; anything else at once.

let server: Server | undefined;
afterEach(() => { server?.close(); });

async function serve(): Promise<{ url: string; seen: string[] }> {
  const seen: string[] = [];
  server = createServer((req, res) => {
    seen.push(String(req.headers['x-n']));
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: endpointUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, '/x'), seen };
}

describe('writing requests after a batch of reads', () => {
  it('a request sent from a reply\'s completion and aborted before the reads are over is never written', async () => {
    const { url, seen } = await serve();
    const pools = new Pools();
    const send = (n: number, signal?: AbortSignal) => runAttempt({
      pool: pools.get(url), request: requestText(requestHead('POST', url, { 'x-n': String(n) }), '{}'), stream: false, signal,
      rawBody: true, timeoutMs: 10_000, idleTimeoutMs: 0, connectTimeoutMs: 10_000,
    });
    expect((await send(1)).ok).toBe(true); // the connection is open and kept alive
    const second = await send(2); // resumes here, among the reads that brought its reply
    const controller = new AbortController();
    const third = send(3, controller.signal);
    controller.abort(); // as Ctrl-C would, before the reads are over
    expect(second.ok).toBe(true);
    expect(await third).toMatchObject({ ok: false, aborted: true });
    expect((await send(4)).ok).toBe(true);
    pools.close();
    expect(seen).toEqual(['1', '2', '4']); // 3 was never on the wire: nothing to bill
  });

  it('a request whose connection is closed before it could be written fails as never sent (safe to retry)', async () => {
    const { url, seen } = await serve();
    const pools = new Pools();
    const send = (n: number) => runAttempt({
      pool: pools.get(url), request: requestText(requestHead('POST', url, { 'x-n': String(n) }), '{}'), stream: false,
      rawBody: true, timeoutMs: 10_000, idleTimeoutMs: 0, connectTimeoutMs: 10_000,
    });
    expect((await send(1)).ok).toBe(true);
    expect((await send(2)).ok).toBe(true); // resumes among the reads that brought its reply
    const third = send(3); // waits for the reads to end
    pools.close(); // as a run that is shutting down would
    const out = await third;
    expect(out.ok).toBe(false);
    // Not "lost after the request was sent; it may have been billed": it never left.
    expect(out.failure).toMatchObject({ kind: 'connect' });
    expect(seen).toEqual(['1', '2']);
  });

  it('outside a batch of reads, declines, so the caller writes at once (an open-loop send is not delayed)', async () => {
    await new Promise((r) => setImmediate(r)); // the test's own start may have been among reads
    const written: number[] = [];
    expect(writeSoon({ flush: () => written.push(0) })).toBe(false);
    readTime(0); // a batch of reads begins
    for (const n of [1, 2, 3]) expect(writeSoon({ flush: () => written.push(n) })).toBe(true);
    expect(written).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(written).toEqual([1, 2, 3]); // in the order sent, right after the batch
    expect(writeSoon({ flush: () => written.push(4) })).toBe(false);
  });
});
