import type { ServerResponse } from 'node:http';
import type { Clock, Timer } from './clock.js';
import type { SimReply } from './text.js';
import { ChunkTemplate, DONE_EVENT, streamErrorEvent, type UsageCounts } from './wire.js';

// Writes one streamed reply on a schedule: the role chunk with the headers, the first token
// chunk `ttft` later, then one chunk every chunkTokens/tps seconds. Every due time is computed
// from the moment the headers went out, so timer lateness never accumulates; a late timer
// writes everything that has fallen due. With no delays at all the whole stream is written in
// one corked burst (one write per chunk, one syscall for all of them).

export interface StreamPlan {
  replies: SimReply[];
  chunkTokens: number;
  ttftMs: number;
  tps: number;
  includeUsage: boolean;
  promptTokens: number;
  /** Write an SSE comment (`: keep-alive`) after this much silence inside the stream; 0 = never. */
  keepaliveMs: number;
  /** 'truncate' ends after half the steps, cleanly; 'error' sends an error event there. */
  cut?: 'truncate' | 'error';
}

export class StreamWriter {
  private readonly tpl: ChunkTemplate;
  private readonly steps: number[];
  private readonly rSteps: number[];
  private readonly run: number;
  private readonly total: number;
  private readonly interval: number;
  private t0 = 0;
  private lastWrite = 0;
  private k = 0;
  private timer: Timer | undefined;
  private stopped = false;
  /** Tokens written so far (reasoning included), for usage and the limiter's refund. */
  served = 0;
  /**
   * performance.now() when the first token's and the last byte's writes began (…From) and returned
   * (…At; 0: not yet). The kernel had the bytes somewhere in between: a preempted simulator can
   * stretch that gap, so a client is held to From as the earliest and At as the latest.
   */
  firstFrom = 0;
  firstAt = 0;
  lastFrom = 0;
  lastAt = 0;
  /** The first token goes out with the end of the stream (one tick wrote it all). */
  private firstInEnd = false;

  constructor(private readonly res: ServerResponse, private readonly clock: Clock, private readonly plan: StreamPlan, id: string, created: number, model: string,
    private readonly onDone: () => void) {
    this.tpl = new ChunkTemplate(id, created, model);
    const ct = plan.chunkTokens;
    this.rSteps = plan.replies.map((r) => Math.ceil(r.reasoning.length / ct));
    // A tool call takes one step for its head (id, name) and one per argument fragment.
    this.steps = plan.replies.map((r, i) => this.rSteps[i]! + (r.toolCall ? 1 + r.toolCall.fragments.length : Math.ceil(r.content.length / ct)));
    this.total = Math.max(1, ...this.steps);
    this.run = plan.cut ? Math.floor(this.total / 2) : this.total;
    this.interval = plan.tps > 0 ? (ct * 1000) / plan.tps : 0;
  }

  /** Headers were just written: send the role chunks and start the schedule. */
  start(): void {
    this.t0 = this.lastWrite = performance.now();
    const res = this.res;
    res.cork();
    for (let i = 0; i < this.plan.replies.length; i++) res.write(this.tpl.role(i));
    if (this.plan.ttftMs > 0) {
      res.uncork(); // now, not on the next tick: a pump serving many streams would hold it to its end
      this.schedule(this.t0);
    } else {
      this.tick(true);
    }
  }

  private schedule(now: number): void {
    let at = this.due(this.k);
    const ka = this.plan.keepaliveMs;
    if (ka > 0 && this.lastWrite + ka < at) at = this.lastWrite + ka;
    this.timer = this.clock.after(at - now, this.tick);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** When the first token and the last byte were planned, in ms after start(). */
  get plannedFirstMs(): number {
    return this.plan.ttftMs;
  }

  get plannedLastMs(): number {
    return this.plan.ttftMs + Math.max(0, this.run - 1) * this.interval;
  }

  private due(k: number): number {
    return this.t0 + this.plan.ttftMs + k * this.interval;
  }

  private readonly tick = (corked = false): void => {
    this.timer = undefined;
    const res = this.res;
    if (this.stopped || res.destroyed) return;
    const now = performance.now();
    if (!corked) res.cork();
    // Write what is due (a quarter millisecond early is closer to on time than a whole timer late).
    let wrote = false;
    const before = this.k;
    while (this.k < this.run && this.due(this.k) <= now + 0.25) {
      this.emit(this.k++);
      wrote = true;
    }
    const firstToken = before === 0 && this.k > 0; // a keep-alive comment is not the first token
    const ka = this.plan.keepaliveMs;
    if (!wrote && ka > 0 && this.k < this.run && now >= this.lastWrite + ka - 0.25) {
      res.write(': keep-alive\n\n');
      wrote = true;
    }
    if (wrote) this.lastWrite = now;
    if (this.k < this.run) {
      // Flushed now, not on the next tick: a pump that serves many streams would otherwise hold
      // every write until its end, and the first token's time would be taken before its bytes
      // left. firstAt is the moment the kernel has them (the truth a client's TTFT is held to).
      // Corked by start() (no ttft) or here, it is corked once, so one uncork flushes.
      if (firstToken) this.firstFrom = performance.now();
      res.uncork();
      if (firstToken) this.firstAt = performance.now();
      this.schedule(now);
      return;
    }
    this.firstInEnd = firstToken;
    this.end(); // end() uncorks fully
  };

  private emit(k: number): void {
    const { replies, chunkTokens: ct } = this.plan;
    const res = this.res;
    for (let i = 0; i < replies.length; i++) {
      const steps = this.steps[i]!;
      if (k < steps) {
        const r = replies[i]!;
        const rs = this.rSteps[i]!;
        if (k < rs) {
          const text = ct === 1 ? r.reasoning[k]! : r.reasoning.slice(k * ct, (k + 1) * ct).join('');
          this.served += ct === 1 ? 1 : Math.min(ct, r.reasoning.length - k * ct);
          res.write(this.tpl.reasoning(i, text));
        } else if (r.toolCall) {
          const c = k - rs;
          if (c === 0) res.write(this.tpl.toolHead(i, r.toolCall.id, JSON.stringify(r.toolCall.name)));
          else {
            this.served++;
            res.write(this.tpl.toolArgs(i, r.toolCall.fragments[c - 1]!));
          }
        } else {
          const c = k - rs;
          const text = ct === 1 ? r.content[c]! : r.content.slice(c * ct, (c + 1) * ct).join('');
          this.served += ct === 1 ? 1 : Math.min(ct, r.content.length - c * ct);
          res.write(this.tpl.content(i, text));
        }
      }
      if (!this.plan.cut && k === Math.max(steps, 1) - 1) res.write(this.tpl.finish(i, replies[i]!.finishReason));
    }
  }

  private end(): void {
    const res = this.res;
    const plan = this.plan;
    if (plan.cut === 'error') res.write(streamErrorEvent());
    if (!plan.cut) {
      if (plan.includeUsage) res.write(this.tpl.usage(this.usage()));
      res.write(DONE_EVENT);
    }
    this.lastFrom = performance.now();
    res.end();
    this.lastAt = performance.now();
    if (this.firstInEnd) {
      this.firstFrom = this.lastFrom;
      this.firstAt = this.lastAt;
    }
    this.stopped = true;
    this.onDone();
  }

  usage(): UsageCounts {
    let reasoning = 0;
    for (const r of this.plan.replies) reasoning += r.reasoning.length;
    return { prompt: this.plan.promptTokens, completion: this.served, reasoning };
  }
}
