import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { runAttempt, type AttemptOutcome } from '../../src/core/attempt.js';
import { endpointUrl, requestHead, requestText } from '../../src/core/http1-head.js';
import { Pools } from '../../src/core/http1-pool.js';
import { readTime } from '../../src/core/read-clock.js';

/** Keeps this thread busy, as a slow listener or a garbage collection would. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('readTime', () => {
  it('gives every read of one batch the same time, however long the batch takes', async () => {
    const a = readTime(0);
    busy(5);
    expect(readTime(0)).toBe(a);
    await new Promise((r) => setImmediate(r));
    expect(readTime(0)).toBeGreaterThan(a); // the next batch has its own time
  });

  it('is never earlier than the send it is asked about', () => {
    const a = readTime(0);
    busy(2);
    const sent = performance.now();
    const b = readTime(sent);
    expect(b).toBeGreaterThanOrEqual(sent);
    expect(readTime(0)).toBe(b);
  });
});

// A server in another process, so that it can write while this thread is busy: it answers every
// request with SSE headers and a role chunk, and on "go" (stdin) writes one content chunk and the
// end of the stream to every connection at once.
const SERVER = `
const net = require('node:net');
const socks = [];
const srv = net.createServer((s) => {
  let got = '';
  s.on('data', (d) => {
    got += d;
    if (!got.includes('\\r\\n\\r\\n') || got.indexOf('}') < 0) return;
    got = '';
    s.write('HTTP/1.1 200 OK\\r\\ncontent-type: text/event-stream\\r\\ntransfer-encoding: chunked\\r\\n\\r\\n');
    socks.push(s);
    if (socks.length === 2) console.log('answered');
  });
});
const chunk = (t) => Buffer.byteLength(t).toString(16) + '\\r\\n' + t + '\\r\\n';
process.stdin.on('data', () => {
  for (const s of socks) s.write(chunk('data: {"choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\\n\\ndata: [DONE]\\n\\n') + '0\\r\\n\\r\\n');
});
srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));
`;

let server: ChildProcess | undefined;
afterEach(() => { server?.kill(); });

/** Starts a server script; `next` reads its stdout line by line (its port first). */
async function startStreams(script: string) {
  server = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const next = async () => {
    while (lines.length === 0) {
      const [d] = await once(server!.stdout!, 'data');
      lines.push(...String(d).split('\n').filter(Boolean));
    }
    return lines.shift()!;
  };
  const url = endpointUrl(`http://127.0.0.1:${Number(await next())}/v1`, '/chat/completions');
  const request = requestText(requestHead('POST', url, { 'content-type': 'application/json' }), '{"model":"m","messages":[]}');
  return { next, url, pools: new Pools(), request };
}

describe('timing a burst of reads', () => {
  it('a stream whose bytes arrived with another\'s is not charged for the time spent on the other', async () => {
    const { next, url, pools, request } = await startStreams(SERVER);
    let slowed = false;
    const attempt = () => runAttempt({
      pool: pools.get(url), request, stream: true, timeoutMs: 10_000, idleTimeoutMs: 0, connectTimeoutMs: 10_000,
      // The first listener to see content takes 60 ms, as a slow terminal or a GC pause would.
      onDelta: () => { if (!slowed) { slowed = true; busy(60); } },
    });
    const pending: Array<Promise<AttemptOutcome>> = [attempt(), attempt()];
    expect(await next()).toBe('answered');
    server!.stdin!.write('go\n');
    busy(200); // both streams' bytes arrive while this thread is busy: one batch of reads
    const [a, b] = await Promise.all(pending);
    pools.close();
    expect(a.ok && b.ok).toBe(true);
    const endA = a.timings.start + a.timings.ttft!;
    const endB = b.timings.start + b.timings.ttft!;
    // Without a shared time per batch, the second stream's TTFT took in the first one's 60 ms.
    expect(Math.abs(endA - endB)).toBeLessThan(30);
  });
});

// As SERVER, but on "go" each stream gets its first content chunk at once and, 30 ms later, its end
// (when it is written, on the wall clock, goes to stdout): while this thread is still on the batch
// in which the first chunks arrived, so the ends join them in one read.
const LATE_END_SERVER = SERVER.replace(/process\.stdin\.on[\s\S]*?\n\}\);\n/, `process.stdin.on('data', () => {
  for (const s of socks) s.write(chunk('data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}\\n\\n'));
  setTimeout(() => {
    const at = performance.timeOrigin + performance.now();
    for (const s of socks) s.write(chunk('data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\\n\\ndata: [DONE]\\n\\n') + '0\\r\\n\\r\\n');
    console.log(at);
  }, 30);
});
`);

describe('bytes that join a read while its batch is handled', () => {
  it('are not timed before the server wrote them', async () => {
    expect(LATE_END_SERVER).not.toBe(SERVER);
    const { next, url, pools, request } = await startStreams(LATE_END_SERVER);
    const attempt = () => runAttempt({
      pool: pools.get(url), request, stream: true, timeoutMs: 10_000, idleTimeoutMs: 0, connectTimeoutMs: 10_000,
      onDelta: (_d, at) => { if (at !== undefined) busy(60); }, // each first chunk's listener is slow
    });
    const pending: Array<Promise<AttemptOutcome>> = [attempt(), attempt()];
    expect(await next()).toBe('answered');
    server!.stdin!.write('go\n');
    busy(10); // both first chunks arrive before the batch that reads them begins
    const outcomes = await Promise.all(pending);
    const endWritten = Number(await next());
    pools.close();
    for (const o of outcomes) {
      expect(o.ok).toBe(true);
      // The end left the server 30 ms after the first chunks, while the second stream waited for
      // the first one's listener: it is timed when it was read, not with the batch's first bytes.
      expect(performance.timeOrigin + o.timings.start + o.timings.e2e!).toBeGreaterThanOrEqual(endWritten - 1);
    }
  });
});
