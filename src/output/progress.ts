import { createRequire } from 'node:module';
import type { Io } from '../cli/io.js';

// cli-progress costs a process ~6 MB: loaded only when a bar is drawn.
const requireCjs = createRequire(import.meta.url);

// Progress for long runs (batch, bench), on stderr only (CONVENTIONS 4, 6): a cli-progress bar when
// stderr is a terminal; otherwise one status line every `intervalMs` (10 s), so a log file or CI
// output gets a heartbeat without a flood. `quiet` silences both. Runners never call this: the
// command feeds it from the runner's events, and the state is read only when drawing.

export interface ProgressOptions {
  quiet?: boolean;
  /** Units of work expected; unknown totals draw no bar percentage and no ETA. */
  total?: number;
  /** Period of the status line when stderr is not a terminal (default 10 000 ms). */
  intervalMs?: number;
  /** First word of the status line, e.g. `batch`. */
  label?: string;
  /** Force the terminal bar on or off (default: stderr.isTTY). */
  tty?: boolean;
}

export type StatusText = string | (() => string);

export interface Progress {
  /** Record progress; cheap enough to call on every result (nothing is drawn here). */
  update(done: number, status?: StatusText, total?: number): void;
  /** A line for the user that must not be overwritten by the bar. */
  log(line: string): void;
  /** Draw the final state once and release the terminal. */
  stop(): void;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

class State {
  done = 0;
  total?: number;
  status: StatusText = '';
  readonly started = performance.now();

  text(): string {
    return typeof this.status === 'function' ? this.status() : this.status;
  }

  /** Returns whether the total changed (a bar has to be told). */
  update(done: number, status?: StatusText, total?: number): boolean {
    this.done = done;
    if (status !== undefined) this.status = status;
    if (total === undefined || total === this.total) return false;
    this.total = total;
    return true;
  }

  eta(): string {
    if (!this.total || this.done === 0) return '?';
    const elapsed = performance.now() - this.started;
    return formatDuration((elapsed / this.done) * (this.total - this.done));
  }
}

export function createProgress(io: Pick<Io, 'stderr'>, opts: ProgressOptions = {}): Progress {
  const state = new State();
  state.total = opts.total;
  if (opts.quiet) {
    return { update: () => {}, log: (line) => io.stderr.write(line + '\n'), stop: () => {} };
  }
  const tty = opts.tty ?? Boolean(io.stderr.isTTY);
  return tty ? terminalBar(io.stderr, state) : statusLines(io.stderr, state, opts);
}

function terminalBar(stream: NodeJS.WritableStream, state: State): Progress {
  const cliProgress = requireCjs('cli-progress') as typeof import('cli-progress');
  const multi = new cliProgress.MultiBar({
    stream: stream as NodeJS.WriteStream,
    // ETA before the status: a narrow terminal cuts the end of the line, and the ETA matters more.
    format: state.total ? '{bar} {percentage}% {value}/{total} ETA {etaText} | {status}' : '{value} done | {status}',
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    fps: 8,
    barsize: 20,
    autopadding: true,
  }, cliProgress.Presets.shades_classic);
  const bar = multi.create(state.total ?? 0, 0, { status: '', etaText: '?' });
  const draw = () => bar.update(state.done, { status: state.text(), etaText: state.eta() });
  const timer = setInterval(draw, 250);
  timer.unref();
  let stopped = false;
  return {
    update(done, status, total) {
      if (state.update(done, status, total)) bar.setTotal(total!);
    },
    log(line) {
      if (stopped) stream.write(line + '\n');
      else multi.log(line + '\n');
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      draw();
      multi.stop();
    },
  };
}

function statusLines(stream: NodeJS.WritableStream, state: State, opts: ProgressOptions): Progress {
  const label = opts.label ? `${opts.label} ` : '';
  const line = () => {
    const of = state.total !== undefined ? `${state.done}/${state.total}` : `${state.done}`;
    const eta = state.total !== undefined && state.done < state.total ? `, ETA ${state.eta()}` : '';
    const text = state.text();
    return `relay: ${label}${of}${text ? ` | ${text}` : ''}${eta}\n`;
  };
  const timer = setInterval(() => stream.write(line()), opts.intervalMs ?? 10_000);
  timer.unref();
  let stopped = false;
  return {
    update(done, status, total) {
      state.update(done, status, total);
    },
    log(l) {
      stream.write(l + '\n');
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
    },
  };
}

/** `1 line`, `2 lines`, `1,024 lines`: a count with its noun in agreement. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
