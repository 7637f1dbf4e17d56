import type { Usage } from '../core/types.js';
import { normalizeUsage } from '../core/usage.js';

// Reads what relay wrote (or what a provider's batch returned) and finds the tokens actually used.
// Pure: takes the text, returns records. Shapes understood:
// - batch output lines (DESIGN 5): {"id","custom_id","response":{"status_code","request_id","body"}|null,
//   "error":{...}|null,"relay":{...}}; usage and model come from response.body, else relay.usage;
// - `relay chat --json` documents: {content, reasoning, usage, model, ...}, one per file or one per line;
// - bench JSON: an object holding a `requests` (or `results`) array whose items carry usage and model
//   is summed; `relay bench --json` reports keep output-token totals per target but no prompt tokens,
//   so they cannot be priced and are reported as skipped, never priced from half the tokens.
// Failed lines count when they carry usage: the provider may have billed them.

export type RecordKind = 'batch' | 'chat' | 'bench';

export interface UsageRecord {
  kind: RecordKind;
  /** 1-based line of a JSONL file, or position in a JSON array. */
  line: number;
  id?: string;
  model?: string;
  usage: Usage;
  failed: boolean;
}

export interface ReadResults {
  records: UsageRecord[];
  /** Lines or items that were read but hold nothing to price. */
  skipped: { line: number; reason: string }[];
  /** Failed requests without usage: nothing was reported as billed for them. */
  failedWithoutUsage: number;
  kinds: RecordKind[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/** Usage in the server's raw shape or in relay's normalised one ({promptTokens, ...}). */
export function usageFrom(v: unknown): Usage | undefined {
  if (!isObj(v)) return undefined;
  const p = num(v.promptTokens);
  const c = num(v.completionTokens);
  if (p !== undefined || c !== undefined) {
    const prompt = p ?? 0;
    const completion = c ?? 0;
    return {
      promptTokens: prompt,
      completionTokens: completion,
      totalTokens: num(v.totalTokens) ?? prompt + completion,
      cachedTokens: Math.min(num(v.cachedTokens) ?? 0, prompt),
      reasoningTokens: Math.min(num(v.reasoningTokens) ?? 0, completion),
      cacheWriteTokens: num(v.cacheWriteTokens) ?? 0,
      estimated: v.estimated === true,
    };
  }
  const u = normalizeUsage(v);
  if (u && v.estimated === true) u.estimated = true;
  return u;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

interface Candidate { kind: RecordKind; line: number; value: unknown }

function classify(c: Candidate, out: ReadResults): void {
  if (!isObj(c.value)) { out.skipped.push({ line: c.line, reason: 'not a JSON object' }); return; }
  const v = c.value;
  const relay = isObj(v.relay) ? v.relay : {};
  let kind = c.kind;
  let model: string | undefined;
  let usage: Usage | undefined;
  let failed: boolean;
  let id: string | undefined;
  if ('custom_id' in v || 'response' in v) {
    kind = 'batch';
    const response = isObj(v.response) ? v.response : undefined;
    const body = response && isObj(response.body) ? response.body : undefined;
    const status = num(response?.status_code);
    // R32: a 4xx body with error: null is still a failure.
    failed = !response || v.error != null || (status !== undefined && status >= 400) || (body !== undefined && isObj(body.error));
    model = str(body?.model) ?? str(relay.model);
    usage = usageFrom(body?.usage) ?? usageFrom(relay.usage) ?? usageFrom(relay.tokens);
    id = str(v.custom_id) ?? str(v.id);
  } else {
    failed = v.error != null || v.ok === false || (num(v.status) !== undefined && num(v.status)! >= 400);
    model = str(v.model) ?? str(relay.model);
    usage = usageFrom(v.usage) ?? usageFrom(relay.usage);
    id = str(v.id) ?? str(v.custom_id);
  }
  if (!usage) {
    if (failed) out.failedWithoutUsage++;
    else out.skipped.push({ line: c.line, reason: 'no usage' });
    return;
  }
  if (!out.kinds.includes(kind)) out.kinds.push(kind);
  out.records.push({ kind, line: c.line, id, model, usage, failed });
}

function benchItems(doc: Obj): unknown[] | undefined {
  for (const k of ['requests', 'results']) if (Array.isArray(doc[k])) return doc[k] as unknown[];
  return undefined;
}

export function readResults(text: string): ReadResults {
  const out: ReadResults = { records: [], skipped: [], failedWithoutUsage: 0, kinds: [] };
  const body = text.replace(/^\uFEFF/, '');
  let whole: unknown;
  let parsedWhole = false;
  try { whole = JSON.parse(body); parsedWhole = true; } catch { /* JSONL, read line by line */ }

  if (parsedWhole) {
    if (Array.isArray(whole)) {
      whole.forEach((value, i) => classify({ kind: 'chat', line: i + 1, value }, out));
    } else if (isObj(whole) && benchItems(whole)) {
      benchItems(whole)!.forEach((value, i) => classify({ kind: 'bench', line: i + 1, value }, out));
    } else if (isObj(whole) && !('usage' in whole) && !('response' in whole) && ('summary' in whole || 'targets' in whole)) {
      out.skipped.push({ line: 1, reason: 'bench JSON without per-request usage (a bench report keeps output-token totals only, no prompt tokens)' });
    } else {
      classify({ kind: 'chat', line: 1, value: whole }, out);
    }
    return out;
  }

  const lines = body.split(/\r?\n|\r/);
  lines.forEach((raw, i) => {
    if (!raw.trim()) return;
    let value: unknown;
    try { value = JSON.parse(raw); } catch { out.skipped.push({ line: i + 1, reason: 'invalid JSON' }); return; }
    classify({ kind: 'chat', line: i + 1, value }, out);
  });
  return out;
}
