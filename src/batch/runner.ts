import { EventEmitter, setMaxListeners } from 'node:events';
import type { RetryInfo } from '../core/client.js';
import { redact, redactKnown } from '../core/redact.js';
import type { RateLimiter } from '../limit/limiter.js';
import { AdmissionQueue, systemClock, type Clock } from '../limit/queue.js';
import type { DiskCache } from './cache.js';
import { readLines } from './jsonl.js';
import { requestKey, type IdSet } from './keys.js';
import { runLine, type Flight, type LineEnv, type LineResult, type Sender } from './line.js';
import { emptyMeta, recordLine, type OutputRecord } from './records.js';
import { parseLine, type BatchItem, type LineDefaults } from './request.js';
import type { ScanResult, Source } from './scan.js';
import { DedupGroups, copyOf } from './dedup.js';
import { ReorderWindow, type LineSink } from './sink.js';
import { BatchStats, type BatchSummary } from './stats.js';
import type { Pricer } from './pricing.js';

// Runs a JSONL file: reads it a second time (after scan.ts), skips ids already done, and sends the
// rest through the limiter with bounded concurrency. It prints nothing (CONVENTIONS 6): it writes
// result lines to its sinks and emits `start`, `result`, `retry`, `warning` and `done`.
// Interruption: stop() ends scheduling and cancels lines that are only waiting (limiter queue or a
// retry backoff: nothing of theirs is on the wire); abortAll() cancels the rest. Cancelled lines
// write nothing, so --resume runs them again.

export interface RunnerOptions {
  source: Source;
  scan: ScanResult;
  defaults: LineDefaults;
  sender: Sender;
  /** Identifies the endpoint(s) in dedup and cache keys. */
  endpointKey: string;
  concurrency: number;
  limiter: RateLimiter;
  tokensLimited: boolean;
  retries: number;
  done?: IdSet;
  dedup: boolean;
  cache?: DiskCache;
  pricer?: Pricer;
  /** In femto-dollars (pricing.ts). */
  maxCost?: bigint;
  /** Results in input order, through a window of this many lines (0 = as they complete). */
  orderedWindow?: number;
  sink: LineSink;
  errorSink?: LineSink;
  runId: string;
  maxLineBytes?: number;
  clock?: Clock;
  /** Lines of the file being resumed succeeded: the key works, so a 401 does not stop the run. */
  keyWorked?: boolean;
}

export class BatchRunner extends EventEmitter {
  readonly stats = new BatchStats();
  private readonly queue: AdmissionQueue;
  /** Lines started and not finished, and how many may be (the pace can lower it, see line.ts). */
  private active = 0;
  private allowed: number;
  private readonly flights = new Set<Flight>();
  /** Ctrl-C or a 401 ends every wait and lets no attempt start; the end of the grace period ends requests on the wire too (line.ts). */
  private readonly stopController = new AbortController();
  private readonly abortController = new AbortController();
  /** Identical requests: null when dedup is off or nothing repeats. */
  private readonly dedup: DedupGroups | null;
  private readonly window?: ReorderWindow<{ rec: OutputRecord; ok: boolean; cost: bigint | null; raw?: string }>;
  /** No new lines are scheduled (Ctrl-C or --max-cost). */
  private stopping = false;
  private stoppedBy: BatchSummary['stoppedBy'] = null;
  private authError: string | undefined;
  /** A reply to a request sent with this key succeeded (this run, or the file resumed). */
  private keyWorked: boolean;
  private wake?: () => void;
  /** A line's result could not be written (disk full, a closed pipe): the run ends with it. */
  private failure: unknown;

  private readonly lineDone = (): void => {
    this.active--;
    this.wake?.();
  };

  private readonly lineFailed = (e: unknown): void => {
    this.failure ??= e;
    this.stopScheduling('interrupt');
    this.lineDone();
  };

  /** What every line is run with (line.ts): made once, not once per line. */
  private readonly env: LineEnv;

  constructor(private readonly o: RunnerOptions) {
    super();
    this.dedup = o.dedup && o.scan.repeats.size > 0 ? new DedupGroups(o.scan.repeats) : null;
    this.keyWorked = o.keyWorked ?? false;
    const clock = o.clock ?? systemClock;
    this.queue = new AdmissionQueue(o.limiter, clock);
    this.env = {
      sender: o.sender, queue: this.queue, stopSignal: this.stopController.signal, abortSignal: this.abortController.signal,
      tokensLimited: o.tokensLimited, retries: o.retries, pricer: o.pricer,
      now: () => clock.now(),
      onAttempt: (retry: boolean) => {
        this.stats.attempt();
        // Counted when sent: a retry cancelled during its wait (Ctrl-C) was never made.
        if (retry) this.stats.retries++;
      },
      onRetry: (it: BatchItem, info: RetryInfo) => {
        this.emit('retry', { line: it.lineNo, id: it.id, info });
      },
      onWarning: (m: string) => this.emit('warning', m),
      onPace: () => {
        this.allowed = Math.max(1, Math.round(o.concurrency * o.limiter.pace));
      },
    };
    this.allowed = Math.max(1, o.concurrency);
    // Every line in flight listens to both (one listener each): no leak warning at -c 64.
    setMaxListeners(0, this.stopController.signal, this.abortController.signal);
    if (o.orderedWindow) this.window = new ReorderWindow(o.orderedWindow, (x) => this.write(x.rec, x.ok, x.cost, x.raw));
    this.stats.total = o.scan.lines;
  }

  get inFlight(): number {
    return this.flights.size;
  }

  /** Lines waiting in the limiter queue or in a retry backoff. */
  get waiting(): number {
    let n = 0;
    for (const f of this.flights) if (f.waiting) n++;
    return n;
  }

  /** Ctrl-C: schedule nothing more; cancel lines that are only waiting. */
  stop(): void {
    this.stopScheduling('interrupt');
    this.stopController.abort(new Error('SIGINT'));
  }

  /** --max-cost reached, a 401, or Ctrl-C: start no new line; lines already started go on. */
  private stopScheduling(reason: BatchSummary['stoppedBy']): void {
    if (!this.stopping) this.stoppedBy = reason;
    this.stopping = true;
    this.wake?.();
  }

  /** The grace period is over, or a second Ctrl-C: cancel everything in flight. */
  abortAll(): void {
    this.stop();
    this.abortController.abort(new Error('SIGINT'));
  }

  async run(): Promise<BatchSummary> {
    const o = this.o;
    this.emit('start', { total: o.scan.lines, toRun: o.scan.toRun });
    let seq = 0;
    try {
      outer: for await (const batch of readLines(o.source(), o.maxLineBytes)) {
        for (const line of batch) {
          if (this.stopping) break outer;
          if (o.maxCost && this.stats.spend.reached(o.maxCost)) {
            this.stopScheduling('max-cost');
            break outer;
          }
          const item = parseLine(line, o.defaults, o.scan.lineIds);
          if (o.done?.has(item.id)) {
            this.stats.skipped++;
            if (item.request) this.countCopy(item);
            continue;
          }
          // Concurrency: the scheduler itself waits for a free slot (-c, lowered by the pace after
          // 429s), so at most `allowed` lines are in progress and the file is never read ahead.
          while (this.active >= this.allowed && !this.stopping) await new Promise<void>((r) => (this.wake = r));
          if (this.stopping) break outer;
          const mine = seq++;
          if (this.window) await this.window.room(mine);
          this.active++;
          void this.process(item, mine).then(this.lineDone, this.lineFailed);
        }
      }
      while (this.active > 0) await new Promise<void>((r) => (this.wake = r));
      if (this.failure !== undefined) throw this.failure;
      await this.window?.drain();
    } finally {
      this.queue.close();
      this.stats.finish();
    }
    const summary = this.stats.summary(o.scan.lines - this.stats.skipped - this.stats.done, this.stoppedBy, this.authError);
    this.emit('done', summary);
    return summary;
  }

  private async process(item: BatchItem, seq: number): Promise<void> {
    const o = this.o;
    const recordId = `batch_req_${o.runId}_${item.lineNo}`;
    let res: LineResult;
    if (item.error) {
      res = { ok: false, cost: null, record: { id: recordId, custom_id: item.id, response: null, error: item.error, relay: emptyMeta(item.lineNo) } };
    } else {
      res = await this.resolve(item, recordId);
    }
    if (!res.record) {
      if (this.window) await this.window.skip(seq);
      return;
    }
    // A 401 before any line has succeeded is the key, not the line: every line after it would be
    // refused the same way. Lines on the wire finish; lines waiting (rate limit, retry backoff)
    // are cancelled like at Ctrl-C, and all of them are left for --resume once the key is fixed.
    // Once a line has succeeded (this run, or in the file being resumed) the key works, and a 401
    // is that line's own (LiteLLM refuses one model that way); so is a 403, always.
    // Proof counts when the reply arrives, before it waits in the --ordered window or for a write;
    // a --cache hit is no proof (made earlier, maybe with another key), nor is a copy.
    const meta = res.record.relay;
    const err = res.record.error;
    if (res.ok) {
      if (!meta.cached) this.keyWorked = true;
    } else if (err?.code === 'auth' && res.record.response?.status_code === 401 && !meta.deduplicated && !this.stopping && !this.keyWorked) {
      this.authError = `line ${item.lineNo}: ${redact(err.message)}`;
      this.stopScheduling('auth');
      this.stopController.abort(new Error('401'));
    }
    // A file sink writes at once: no promise to wait for (one per line was a measurable share).
    const written = this.window
      ? this.window.put(seq, { rec: res.record, ok: res.ok, cost: res.cost, raw: res.rawBody })
      : this.write(res.record, res.ok, res.cost, res.rawBody);
    if (written) await written;
  }

  /** Cache, then dedup, then the network. */
  private resolve(item: BatchItem, recordId: string): Promise<LineResult> {
    const o = this.o;
    // Neither a cache nor a repeated request in the file: straight to the network, no async layer.
    if (!o.cache && !this.dedup) return this.send(item, recordId, '');
    return this.resolveShared(item, recordId);
  }

  private async resolveShared(item: BatchItem, recordId: string): Promise<LineResult> {
    const o = this.o;
    const req = item.request!;
    const needKey = o.cache !== undefined || this.dedup !== null;
    const key = needKey ? requestKey(o.endpointKey, req) : '';
    if (o.cache) {
      const hit = o.cache.get(key);
      if (hit) {
        this.countCopy(item);
        return {
          ok: true, cost: null, usage: hit.usage ?? undefined,
          record: {
            id: recordId, custom_id: item.id, response: hit.response, error: null,
            relay: { ...emptyMeta(item.lineNo), endpoint: hit.endpoint, model: hit.model, tokens: hit.usage, cost: 0, cached: true },
          },
        };
      }
    }
    const group = this.dedup?.take(item);
    const first = group?.byKey.get(key);
    if (first) {
      const r = await first;
      if (r.record) return { ok: r.ok, cost: null, usage: r.usage, record: copyOf(r.record, recordId, item) };
    }
    const p = this.send(item, recordId, key);
    if (group && !first) group.byKey.set(key, p);
    return p;
  }

  private async send(item: BatchItem, recordId: string, key: string): Promise<LineResult> {
    const o = this.o;
    const flight: Flight = { waiting: true };
    this.flights.add(flight);
    try {
      const res = await runLine(item, recordId, this.env, flight);
      if (res.ok && res.record && o.cache) {
        const m = res.record.relay;
        o.cache.put(key, { endpoint: m.endpoint ?? '', model: m.model, response: res.record.response!, usage: m.tokens });
      }
      return res;
    } catch (e) {
      // A bug must not lose the line silently: it becomes a failed record naming the error.
      const message = `internal error: ${(e as Error)?.message ?? String(e)}; please report it`;
      return { ok: false, cost: null, record: { id: recordId, custom_id: item.id, response: null, error: { code: 'internal', message }, relay: emptyMeta(item.lineNo) } };
    } finally {
      this.flights.delete(flight);
    }
  }

  /** A line that will not be sent still counts down its dedup group. */
  private countCopy(item: BatchItem): void {
    this.dedup?.take(item);
  }

  /** Returns a promise only when a sink has to wait (stdout on a slow pipe). */
  private write(rec: OutputRecord, ok: boolean, cost: bigint | null, rawBody?: string): void | Promise<void> {
    // Failure messages, bodies and even replies can quote what a server echoed back: never let a key through.
    // (A reply is the server's text: the keys relay sends are what it could echo.)
    const line = ok ? redactKnown(recordLine(rec, rawBody)) : redact(JSON.stringify(rec));
    const pending = this.o.sink.write(line);
    if (pending) return pending.then(() => this.writeError(rec, ok, cost, line));
    return this.writeError(rec, ok, cost, line);
  }

  private writeError(rec: OutputRecord, ok: boolean, cost: bigint | null, line: string): void | Promise<void> {
    if (!ok && this.o.errorSink) {
      const pending = this.o.errorSink.write(line);
      if (pending) return pending.then(() => this.counted(rec, ok, cost));
    }
    this.counted(rec, ok, cost);
  }

  private counted(rec: OutputRecord, ok: boolean, cost: bigint | null): void {
    this.stats.add(rec, ok, cost);
    this.emit('result', { record: rec, ok });
  }
}
