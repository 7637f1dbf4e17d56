import { usageError } from '../core/errors.js';
import { Rng } from './random.js';

// Injected faults. A fault is either an HTTP status (any 400-599: `429` carries retry-after,
// the rest an OpenAI-shaped error body) or one of the behaviours below.
//   reset    the socket is destroyed after the request was read: no status line at all
//   stall    the request is accepted and never answered, until the client goes away
//   truncate half the reply, then the body ends cleanly: no finish_reason, no [DONE]
//            (non-streaming: the JSON body is cut in the middle, chunked encoding ends cleanly)
//   error    streaming: a `data: {"error":{...,"type":"server_error"}}` event after a few tokens;
//            non-streaming: HTTP 500 with a server_error body
//   quota    429 insufficient_quota (billing exhausted: a client must not retry it)

export const BEHAVIOURS = ['reset', 'stall', 'truncate', 'error', 'quota'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];
/** A behaviour name or an HTTP status as a string ('429', '500', ...). */
export type FaultKind = Behaviour | `${number}`;

export interface FaultShare {
  kind: FaultKind;
  share: number;
}

export function parseFaultKind(text: string, where = 'fault'): FaultKind {
  const k = text.trim().toLowerCase();
  if ((BEHAVIOURS as readonly string[]).includes(k)) return k as Behaviour;
  if (/^[45]\d\d$/.test(k)) return k as FaultKind;
  throw usageError(`unknown ${where} '${text}': use an HTTP status 400-599 or one of ${BEHAVIOURS.join(', ')}`);
}

function parseShare(text: string, kind: string): number {
  const t = text.trim();
  const pct = t.endsWith('%');
  const v = Number(pct ? t.slice(0, -1) : t);
  const share = pct ? v / 100 : v;
  if (t === '' || !Number.isFinite(share) || share < 0 || share > 1) {
    throw usageError(`invalid share '${text}' for fault ${kind}: use a fraction like 0.05 or a percentage like 5%`);
  }
  return share;
}

export function validateShares(shares: readonly FaultShare[]): FaultShare[] {
  const total = shares.reduce((a, f) => a + f.share, 0);
  if (total > 1 + 1e-9) {
    throw usageError(`fault shares add up to ${+total.toFixed(6)}, more than 1: lower some of them`);
  }
  return shares.filter((f) => f.share > 0);
}

/** `429=0.1,500=0.05,reset=2%` (also `429:0.1`) -> shares. Empty text or `none` -> no faults. */
export function parseFaults(text: string): FaultShare[] {
  const t = text.trim();
  if (t === '' || t === 'none') return [];
  const out: FaultShare[] = [];
  for (const item of t.split(',')) {
    const m = /^\s*([^=:\s]+)\s*[=:]\s*(\S+)\s*$/.exec(item);
    if (!m) throw usageError(`invalid fault '${item}': write KIND=SHARE, e.g. 500=0.05`);
    const kind = parseFaultKind(m[1]!);
    const share = parseShare(m[2]!, kind);
    const prev = out.find((f) => f.kind === kind);
    if (prev) prev.share += share;
    else out.push({ kind, share });
  }
  return validateShares(out);
}

/** One step of a fault script: a fault, or 'ok' for normal behaviour. */
export type ScriptStep = FaultKind | 'ok';

/**
 * `429,429,ok` or `500*3,ok`: the first requests get these outcomes in order, then the shares
 * apply. Items may be separated by `,` `;` `/` or `+` (the last three fit inside a --profile spec).
 */
export function parseFaultScript(text: string): ScriptStep[] {
  const t = text.trim();
  if (t === '' || t === 'none') return [];
  const out: ScriptStep[] = [];
  for (const raw of t.split(/[,;/+]/)) {
    const m = /^\s*([A-Za-z0-9]+)\s*(?:[*x]\s*(\d+))?\s*$/.exec(raw);
    if (!m) throw usageError(`invalid fault-script step '${raw}': write KIND or KIND*N, e.g. 429,429,ok or 500*3`);
    const step: ScriptStep = m[1]!.toLowerCase() === 'ok' ? 'ok' : parseFaultKind(m[1]!, 'fault-script step');
    const times = m[2] === undefined ? 1 : Number(m[2]);
    if (times > 100_000) throw usageError(`fault-script repeat ${times} is too large (at most 100000)`);
    for (let i = 0; i < times; i++) out.push(step);
  }
  return out;
}

/**
 * Decides each arriving request's fault. Every arrival draws one number from the seeded
 * generator, scripted or not, so the random outcome of the Nth request depends only on the seed
 * and N, never on the script's length or on timing.
 */
export class FaultPicker {
  private rng: Rng;
  private cumulative: Float64Array = new Float64Array(0);
  private kinds: FaultKind[] = [];
  private script: ScriptStep[] = [];
  private scriptAt = 0;

  constructor(seed: number, shares: readonly FaultShare[] = [], script: readonly ScriptStep[] = []) {
    this.rng = new Rng(seed);
    this.setShares(shares);
    this.setScript(script);
  }

  setShares(shares: readonly FaultShare[]): void {
    const valid = validateShares(shares);
    this.kinds = valid.map((f) => f.kind);
    this.cumulative = new Float64Array(valid.length);
    let acc = 0;
    valid.forEach((f, i) => { acc += f.share; this.cumulative[i] = acc; });
  }

  /** Replace the script and start it again from its first step. */
  setScript(script: readonly ScriptStep[]): void {
    this.script = [...script];
    this.scriptAt = 0;
  }

  /** The fault for the next arrival, or null for a normal reply. */
  next(): FaultKind | null {
    const u = this.kinds.length > 0 ? this.rng.next() : 0;
    if (this.scriptAt < this.script.length) {
      const step = this.script[this.scriptAt++]!;
      return step === 'ok' ? null : step;
    }
    for (let i = 0; i < this.kinds.length; i++) if (u < this.cumulative[i]!) return this.kinds[i]!;
    return null;
  }
}
