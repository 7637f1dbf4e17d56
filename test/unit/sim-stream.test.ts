import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { PreciseClock } from '../../src/sim/clock.js';
import { StreamWriter } from '../../src/sim/stream.js';

// The simulator's own account of when the first token went out is the truth `npm run bench`
// holds relay bench's TTFT to, so it must be taken when the bytes reach the socket, not when the
// timer fired: a pump that serves many streams writes them one after another.

/** A response whose flush takes `flushMs` (a slow write syscall), recording when bytes left. */
function slowResponse(flushMs: number) {
  const sent: Array<{ text: string; at: number }> = [];
  let corks = 0;
  let held: string[] = [];
  const flush = () => {
    const until = performance.now() + flushMs;
    while (performance.now() < until); // the syscall's cost, on this thread as a real one is
    const at = performance.now();
    for (const text of held) sent.push({ text, at });
    held = [];
  };
  const res = {
    destroyed: false,
    cork: () => { corks++; },
    uncork: () => { if (corks > 0 && --corks === 0) flush(); },
    write: (text: string) => { held.push(text); if (corks === 0) flush(); return true; },
    end: () => { corks = 0; flush(); },
  };
  return { res: res as unknown as ServerResponse, sent };
}

function writer(res: ServerResponse, clock: PreciseClock, ttftMs: number, keepaliveMs: number, done: () => void) {
  const reply = { content: ['a', 'b'], reasoning: [], finishReason: 'stop' as const };
  return new StreamWriter(res, clock, { replies: [reply], chunkTokens: 1, ttftMs, tps: 1000, includeUsage: false, promptTokens: 1, keepaliveMs }, 'id', 1, 'sim-1', done);
}

describe('sim stream timing', () => {
  // ttft 0: the first token goes out with the headers; keep-alive 1 ms: comments come before it.
  it.each([[5, 0], [0, 0], [8, 1]])('ttft %i ms, keep-alive %i ms: the first token\'s time is taken after its bytes were flushed, for every stream of one pump', async (ttftMs, keepaliveMs) => {
    const clock = new PreciseClock();
    const streams = Array.from({ length: 4 }, () => slowResponse(2));
    let finished = 0;
    let allDone: () => void = () => {};
    const done = new Promise<void>((resolve) => { allDone = resolve; });
    const writers = streams.map(({ res }) => writer(res, clock, ttftMs, keepaliveMs, () => { if (++finished === streams.length) allDone(); }));
    // Started from one pump of the clock, as the simulator starts streams after --latency.
    for (const w of writers) clock.after(2, () => w.start());
    await done;
    streams.forEach(({ sent }, i) => {
      const first = sent.find((s) => s.text.includes('"content":"a"'));
      expect(first).toBeDefined();
      // The token reached the socket at first.at; the writer must not claim an earlier time.
      expect(writers[i]!.firstAt).toBeGreaterThanOrEqual(first!.at);
      expect(writers[i]!.lastAt).toBeGreaterThanOrEqual(sent.at(-1)!.at);
    });
  });
});
