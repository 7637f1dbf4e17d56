import { closeSync, openSync, writeSync } from 'node:fs';
import { writeFailed, type RelayError } from '../core/errors.js';

// Where result lines go. A file is opened for appending and lines are handed to the kernel as they
// complete (see FileSink.write): a kill -9 afterwards cannot lose them, and at worst tears the line
// being written (resume.ts repairs that). stdout is written through its stream, waiting for
// drain, so a slow pipe holds the run back instead of filling memory.

export interface LineSink {
  /** Resolves when the line is written (files: at once; streams: after drain when needed). */
  write(line: string): void | Promise<void>;
  close(): Promise<void>;
}

export class FileSink implements LineSink {
  private fd: number;
  private pending: string[] = [];
  private scheduled = false;
  /** A failed write (disk full, quota): raised at the next write or close, never from a timer. */
  private failed: RelayError | undefined;

  constructor(readonly path: string, mode: 'append' | 'truncate' = 'append') {
    this.fd = openSync(path, mode === 'append' ? 'a' : 'w', 0o644);
  }

  /**
   * Lines completed in the same turn of the event loop go out in one write(2) at the end of that
   * turn, before any further network I/O: at high rates one syscall per line was a fifth of the
   * CPU. A crash can lose only lines of the current turn, which resume runs again (never twice).
   */
  write(line: string): void {
    if (this.failed) throw this.failed;
    this.pending.push(line + '\n');
    if (this.pending.length >= 256) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    if (this.failed) throw this.failed;
  }

  flush(): void {
    this.scheduled = false;
    if (this.fd < 0 || this.pending.length === 0 || this.failed) return;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    try {
      writeSync(this.fd, text);
    } catch (e) {
      // Lines written before this one are intact; resume runs the rest once there is room.
      this.failed = writeFailed(this.path, e, '; make room, then run the same command with --resume');
    }
  }

  async close(): Promise<void> {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.failed) throw this.failed;
  }
}

export class StreamSink implements LineSink {
  constructor(private readonly stream: NodeJS.WritableStream) {}

  write(line: string): void | Promise<void> {
    if (this.stream.write(line + '\n')) return;
    return new Promise<void>((resolve) => this.stream.once('drain', () => resolve()));
  }

  async close(): Promise<void> {}
}

/**
 * --ordered: results leave in input order. Results that finish early wait in a window of at most
 * `size` lines; the scheduler asks `room()` before it starts a line further ahead.
 */
export class ReorderWindow<T> {
  private next = 0;
  private readonly held = new Map<number, T>();
  private waiters: Array<() => void> = [];

  constructor(readonly size: number, private readonly emit: (item: T) => void | Promise<void>) {}

  /** Resolves when sequence number `seq` may start without the window overflowing. */
  async room(seq: number): Promise<void> {
    while (seq - this.next >= this.size) await new Promise<void>((r) => this.waiters.push(r));
  }

  async put(seq: number, item: T): Promise<void> {
    this.held.set(seq, item);
    while (this.held.has(this.next)) {
      const it = this.held.get(this.next)!;
      this.held.delete(this.next);
      this.next++;
      if (it !== undefined) await this.emit(it);
    }
    this.wake();
  }

  /** `seq` will never produce a result (interrupted): let the lines behind it go. */
  async skip(seq: number): Promise<void> {
    if (seq < this.next) return;
    await this.put(seq, undefined as T);
  }

  /** Everything still held, in order, gaps skipped (end of an interrupted run). */
  async drain(): Promise<void> {
    const rest = [...this.held.keys()].sort((a, b) => a - b);
    for (const k of rest) {
      const it = this.held.get(k)!;
      this.held.delete(k);
      if (it !== undefined) await this.emit(it);
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
