import type { Io } from '../cli/io.js';
import { createProgress, formatDuration, type Progress } from '../output/progress.js';
import type { BenchEvent } from '../bench/run.js';

// Progress on stderr while a bench runs: the shared bar on a terminal, a status line every 10 s
// otherwise. It only listens to the runner's events; one bar per phase (warm-up, then the run).

export function benchProgress(io: Io): (e: BenchEvent) => void {
  let bar: Progress | undefined;
  let done = 0;
  let errors = 0;
  let started = 0;
  let durationMs: number | undefined;
  const status = () => {
    const elapsed = performance.now() - started;
    return `${errors} errors, ${formatDuration(elapsed)}${durationMs !== undefined ? ` of ${formatDuration(durationMs)}` : ''}`;
  };
  return (e) => {
    if (e.type === 'phase') {
      bar?.stop();
      done = 0;
      errors = 0;
      started = performance.now();
      durationMs = e.durationMs;
      bar = createProgress(io, { total: e.total, label: e.phase === 'warmup' ? 'bench warm-up' : 'bench' });
      bar.update(0, status);
    } else if (e.type === 'result') {
      done++;
      if (!e.sample.outcome.ok) errors++;
      bar?.update(done);
    } else {
      bar?.stop();
      bar = undefined;
    }
  };
}
