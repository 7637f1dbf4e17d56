import type { Io } from '../cli/io.js';
import type { BenchEvent } from '../bench/run.js';

// A one-line progress display on stderr, only when stderr is a terminal. It listens to the
// runner's events and redraws at most five times a second.

export function benchProgress(io: Io): ((e: BenchEvent) => void) | undefined {
  if (!io.stderr.isTTY) return undefined;
  let phase = '';
  let total: number | undefined;
  let durationMs: number | undefined;
  let done = 0;
  let errors = 0;
  let started = performance.now();
  let last = 0;
  const draw = (force = false) => {
    const now = performance.now();
    if (!force && now - last < 200) return;
    last = now;
    const secs = (now - started) / 1000;
    const of = total !== undefined ? `/${total}` : durationMs !== undefined ? ` (${secs.toFixed(0)}/${(durationMs / 1000).toFixed(0)} s)` : '';
    const width = 24;
    const share = total ? done / total : durationMs ? Math.min(1, (now - started) / durationMs) : 0;
    const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░');
    io.stderr.write(`\r\x1b[2K${phase} ${bar} ${done}${of} requests, ${errors} errors, ${secs.toFixed(1)} s`);
  };
  return (e) => {
    if (e.type === 'phase') {
      phase = e.phase === 'warmup' ? 'warm-up' : 'bench';
      total = e.total;
      durationMs = e.durationMs;
      done = 0;
      errors = 0;
      started = performance.now();
      draw(true);
    } else if (e.type === 'result') {
      done++;
      if (!e.sample.outcome.ok) errors++;
      draw();
    } else {
      io.stderr.write('\r\x1b[2K');
    }
  };
}
