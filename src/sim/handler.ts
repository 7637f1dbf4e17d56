import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatGoDuration } from './duration.js';
import type { Timer } from './clock.js';
import type { FaultKind } from './faults.js';
import type { ProfileState, SimShared } from './state.js';
import { nextIds } from './state.js';
import { StreamWriter } from './stream.js';
import { DEFAULT_REPLY_TOKENS, estimatePromptTokens, requestMaxTokens, simReply, type RequestLike, type SimReply } from './text.js';
import { ERR, SIM_MARKER, completionBody } from './wire.js';

// One POST /chat/completions, from the first body byte to the last reply byte. The order of
// decisions is fixed so that scripts and seeds give the same outcome every run:
//   pause wait + latency (+ jitter)  applies to every answer, errors included
//   auth (401) -> body validation (400/404) -> fault draw -> rpm/tpm (429) -> reply
// Only requests that pass validation draw a fault, so `--fault-script 429,ok` means "the
// first valid request gets 429, the second succeeds".

const MAX_BODY = 64 * 1024 * 1024;

export function handleChat(shared: SimShared, p: ProfileState, req: IncomingMessage, res: ServerResponse): void {
  new Exchange(shared, p, req, res).begin();
}

// One set of listener functions for every request (no closures per request on the hot path):
// each finds its exchange through a symbol on the request or response.
const EX = Symbol('relay-sim-exchange');
type Carrier = { [EX]: Exchange };
function onData(this: IncomingMessage, b: Buffer): void {
  (this as unknown as Carrier)[EX].data(b);
}
function onEnd(this: IncomingMessage): void {
  (this as unknown as Carrier)[EX].end();
}
function onClose(this: ServerResponse): void {
  (this as unknown as Carrier)[EX].closed();
}

class Exchange {
  private readonly arrival = performance.now();
  private chunks: Buffer[] = [];
  private size = 0;
  private timer: Timer | undefined;
  private writer: StreamWriter | undefined;
  /** We ended the response ourselves (or reset it on purpose): a close after this is not a disconnect. */
  private finished = false;
  private reserved = 0;
  private served = 0;
  private settled = false;
  private outcome = '';
  private fault: FaultKind | null = null;
  private model = '';
  private stream = false;
  private readonly ids: { id: string; requestId: string };

  constructor(private readonly shared: SimShared, private readonly p: ProfileState,
    private readonly req: IncomingMessage, private readonly res: ServerResponse) {
    this.ids = nextIds(shared);
  }

  begin(): void {
    const s = this.p.stats;
    s.requests++;
    s.chatRequests++;
    s.inFlight++;
    (this.req as unknown as Carrier)[EX] = this;
    (this.res as unknown as Carrier)[EX] = this;
    this.res.on('close', onClose);
    this.req.on('data', onData);
    this.req.on('end', onEnd);
  }

  data(b: Buffer): void {
    this.size += b.length;
    if (this.size > MAX_BODY) {
      this.req.off('data', onData);
      this.req.off('end', onEnd);
      this.json(413, ERR.tooLarge(), ['connection', 'close']);
      return;
    }
    this.chunks.push(b);
  }

  closed(): void {
    const s = this.p.stats;
    s.inFlight--;
    this.timer?.cancel();
    if (this.writer) this.writer.stop();
    if (!this.finished) {
      s.disconnects++;
      this.outcome = this.outcome ? `${this.outcome} client-gone` : 'client-gone';
    }
    this.settle();
    this.shared.log?.(this.logLine());
  }

  /** Count what was served and give back unused reserved tokens, as soon as the reply is over. */
  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.writer) this.served = this.writer.served;
    this.p.stats.tokensServed += this.served;
    if (this.reserved > this.served) this.p.limits.refund(this.reserved - this.served, performance.now());
  }

  private logLine(): string {
    const ms = (performance.now() - this.arrival).toFixed(1);
    const kind = this.stream ? 'stream' : 'json';
    return `${new Date().toISOString()} ${this.p.name} ${this.outcome} ${kind} ${JSON.stringify(this.model)} `
      + `out=${this.served} ${ms}ms ${this.ids.requestId}${this.fault ? ` fault=${this.fault}` : ''}`;
  }

  private after(ms: number, fn: () => void): void {
    if (ms <= 0) fn();
    else this.timer = this.shared.clock.after(ms, fn);
  }

  private json(status: number, body: string, extra: readonly string[] = []): void {
    if (this.finished || this.res.destroyed) return;
    this.finished = true;
    this.outcome = String(status);
    this.p.count(status);
    const limits = this.p.limits.active ? this.p.limits.headers(performance.now()) : [];
    this.res.writeHead(status, ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)),
      'x-request-id', this.ids.requestId, SIM_MARKER, this.p.name, ...limits, ...extra]);
    this.res.end(body);
    this.settle();
  }

  end(): void {
    const shared = this.shared;
    const p = this.p;
    const pause = Math.max(shared.pausedUntil, p.pausedUntil) - performance.now();
    const wait = (pause > 0 ? pause : 0) + p.latency();

    const key = p.settings.apiKey ?? shared.apiKey;
    if (key !== undefined) {
      const auth = this.req.headers.authorization;
      if (!auth) return this.after(wait, () => this.json(401, ERR.missingKey()));
      if (auth.length !== key.length + 7 || !/^bearer /i.test(auth) || auth.slice(7) !== key) {
        return this.after(wait, () => this.json(401, ERR.badKey()));
      }
    }

    const text = this.chunks.length === 1 ? this.chunks[0]!.toString('utf8') : Buffer.concat(this.chunks).toString('utf8');
    this.chunks = [];
    let body: RequestLike;
    try {
      body = JSON.parse(text) as RequestLike;
    } catch {
      return this.after(wait, () => this.json(400, ERR.badJson()));
    }
    const invalid = validate(body, shared);
    if (invalid) return this.after(wait, () => this.json(invalid.status, invalid.body));
    this.model = body.model as string;
    this.stream = body.stream === true;

    const fault = (this.fault = p.faults.next());
    if (fault !== null) {
      p.fault(fault);
      if (fault === 'stall') {
        this.outcome = 'stall';
        return;
      }
      if (fault === 'reset') {
        return this.after(wait, () => {
          this.finished = true;
          this.outcome = 'reset';
          // A real reset (RST, the client sees ECONNRESET), not an orderly close.
          const socket = this.req.socket;
          if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
          else socket.destroy();
        });
      }
      // truncate (and error, when streaming) happen inside a served reply; the rest replace it.
      if (fault !== 'truncate' && !(fault === 'error' && this.stream)) return this.after(wait, () => this.faultReply(fault));
    }
    this.serve(body, wait);
  }

  private faultReply(fault: FaultKind): void {
    const s = this.p.settings.retryAfterS;
    switch (fault) {
      case '429':
        return this.json(429, ERR.injected429(formatGoDuration(s * 1000)),
          ['retry-after', String(Math.ceil(s)), 'retry-after-ms', String(Math.round(s * 1000))]);
      case 'quota': return this.json(429, ERR.quota());
      case '500': return this.json(500, ERR.server());
      case '503': return this.json(503, ERR.overloaded());
      case 'error': return this.json(500, ERR.server());
      default: return this.json(Number(fault), ERR.status(Number(fault)));
    }
  }

  private serve(body: RequestLike, wait: number): void {
    const p = this.p;
    const st = p.settings;
    const n = typeof body.n === 'number' ? body.n : 1;
    const max = requestMaxTokens(body);
    const prompt = estimatePromptTokens(body);
    const perChoice = max ?? expectedLength(st.replyTokens) + st.reasoningTokens;
    const rejected = p.limits.active ? p.limits.admit(prompt + n * perChoice, performance.now()) : null;
    if (rejected) {
      p.stats.rateLimited++;
      const waitText = formatGoDuration(rejected.waitMs);
      return this.after(wait, () => this.json(429,
        ERR.rateLimit(rejected.which, rejected.limit, rejected.remaining, rejected.requested, waitText),
        ['retry-after', String(Math.max(1, Math.ceil(rejected.waitMs / 1000))), 'retry-after-ms', String(Math.ceil(rejected.waitMs))]));
    }
    this.reserved = n * perChoice;
    p.stats.promptTokens += prompt;

    const shape = { replyTokens: st.replyTokens, reasoningTokens: st.reasoningTokens, unicode: st.unicode };
    const replies: SimReply[] = [];
    for (let i = 0; i < n; i++) replies.push(simReply(this.shared.seed, body, max, shape, i));
    const created = Math.floor(Date.now() / 1000);
    const cut = this.fault === 'truncate' || this.fault === 'error' ? this.fault : undefined;

    if (this.stream) {
      const so = body.stream_options as { include_usage?: unknown } | undefined;
      this.after(wait, () => {
        if (this.res.destroyed) return;
        const limits = p.limits.active ? p.limits.headers(performance.now()) : [];
        this.res.writeHead(200, ['content-type', 'text/event-stream; charset=utf-8', 'cache-control', 'no-cache',
          'x-request-id', this.ids.requestId, SIM_MARKER, p.name, ...limits]);
        p.count(200);
        this.outcome = cut ? `200 ${cut}` : '200';
        this.writer = new StreamWriter(this.res, this.shared.clock, {
          replies, chunkTokens: st.chunkTokens, ttftMs: st.ttftMs, tps: st.tps, cut, keepaliveMs: st.keepaliveMs,
          includeUsage: so?.include_usage === true, promptTokens: prompt,
        }, this.ids.id, created, this.model, () => {
          this.finished = true;
          this.settle();
          const w = this.writer!;
          if (w.firstAt > 0) p.timing.record(w.firstAt - this.arrival - wait - w.plannedFirstMs, w.lastAt - this.arrival - wait - w.plannedLastMs,
            this.ids.requestId, this.arrival, w);
        });
        this.writer.start();
      });
      return;
    }

    let completion = 0;
    let reasoning = 0;
    let longest = 0;
    for (const r of replies) {
      const out = r.toolCall ? r.toolCall.fragments.length : r.content.length;
      completion += out + r.reasoning.length;
      reasoning += r.reasoning.length;
      longest = Math.max(longest, Math.ceil(r.reasoning.length / st.chunkTokens) + Math.ceil(out / st.chunkTokens));
    }
    const generation = st.ttftMs + (st.tps > 0 && longest > 1 ? ((longest - 1) * st.chunkTokens * 1000) / st.tps : 0);
    this.after(wait + generation, () => {
      const out = completionBody(this.ids.id, created, this.model,
        replies.map((r) => ({ content: r.content.join(''), reasoning: r.reasoning.join(''), finishReason: r.finishReason, toolCall: r.toolCall })),
        { prompt, completion, reasoning });
      if (cut !== 'truncate') {
        this.served = completion;
        return this.json(200, out);
      }
      // Cut mid-body with chunked encoding, which still ends cleanly: the client gets half a JSON document.
      if (this.res.destroyed) return;
      this.finished = true;
      this.outcome = '200 truncate';
      this.served = Math.floor(completion / 2);
      p.count(200);
      this.res.writeHead(200, ['content-type', 'application/json', 'x-request-id', this.ids.requestId, SIM_MARKER, p.name]);
      this.res.end(out.slice(0, Math.floor(out.length / 2)));
      this.settle();
    });
  }
}

function expectedLength(rt: number | readonly [number, number] | 'max'): number {
  return rt === 'max' ? DEFAULT_REPLY_TOKENS : typeof rt === 'number' ? rt : rt[1];
}

function isCount(v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

const MESSAGE_KEYS = new Set(['role', 'content', 'name', 'tool_calls', 'tool_call_id', 'function_call', 'refusal', 'audio', 'reasoning_content']);

function validate(body: RequestLike, shared: SimShared): { status: number; body: string } | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { status: 400, body: ERR.badJson() };
  if (typeof body.model !== 'string' || body.model === '') {
    return { status: 400, body: ERR.invalid('you must provide a model parameter', 'model') };
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { status: 400, body: ERR.invalid("'messages' is a required property and must be a non-empty array", 'messages') };
  }
  // Like OpenAI: a message with a key the API does not know is refused, not ignored.
  for (let i = 0; i < body.messages.length; i++) {
    const m = body.messages[i] as Record<string, unknown>;
    if (!m || typeof m !== 'object' || typeof m.role !== 'string') return { status: 400, body: ERR.invalid(`Invalid 'messages[${i}]': expected an object with a role`, `messages[${i}]`) };
    for (const k in m) {
      if (!MESSAGE_KEYS.has(k)) return { status: 400, body: ERR.invalid(`Additional properties are not allowed ('${k}' was unexpected) - 'messages.${i}'`, `messages[${i}]`) };
    }
  }
  for (const f of ['max_tokens', 'max_completion_tokens'] as const) {
    if (body[f] !== undefined && body[f] !== null && !isCount(body[f], 1)) {
      return { status: 400, body: ERR.invalid(`Invalid '${f}': expected an integer of at least 1`, f) };
    }
  }
  if (body.n !== undefined && body.n !== null && !isCount(body.n, 1, 128)) {
    return { status: 400, body: ERR.invalid("Invalid 'n': expected an integer from 1 to 128", 'n') };
  }
  if (shared.strictModels && !shared.models.includes(body.model)) return { status: 404, body: ERR.noModel(body.model) };
  return null;
}
