import type { Usage } from '../core/types.js';

// Output lines: the OpenAI Batch output shape (DESIGN 5) plus a `relay` object.
//   {"id", "custom_id", "response": {"status_code", "request_id", "body"} | null,
//    "error": {"code", "message"} | null, "relay": {...}}
// An HTTP failure keeps its status and body in `response` and also fills `error`, so no reader can
// take a 4xx body for a success (shared case R32).

export interface AttemptEntry {
  /** HTTP status, 0 when no response arrived. */
  status: number;
  /** Failure code (`429`, `500`, `disconnect`, `timeout`...) or null for the attempt that succeeded. */
  error: string | null;
  ms: number;
  endpoint: string;
  /** Wait before the next attempt, when there was one. */
  wait_ms?: number;
}

export interface RelayMeta {
  line: number;
  attempts: number;
  attempt_log?: AttemptEntry[];
  latency_ms: number | null;
  endpoint: string | null;
  model: string | null;
  /** Normalised usage (cached within prompt, reasoning within completion); `estimated` when counted by relay. */
  tokens: Usage | null;
  /** USD, null when the model has no known price. Includes attempts that may have been billed. */
  cost: number | null;
  /** Attempts whose connection broke after the request was sent, or whose reply was cut short: they may have been billed (R23). */
  unknown_outcome_attempts?: number;
  /** A failed line's text received before the reply broke off (a stream cut short, idle or over time). */
  partial_content?: string;
  cached: boolean;
  deduplicated: boolean;
  failovers?: unknown[];
}

export interface OutputRecord {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string | null; body: unknown } | null;
  error: { code: string; message: string } | null;
  relay: RelayMeta;
}

/**
 * The record as one JSON line. `rawBody`, the text the reply's body was parsed from, is written
 * as the server sent it when it fits on one line: serialising the parsed body again was the
 * largest single cost of writing a result at high rates. Read back, the line is the same record.
 */
export function recordLine(rec: OutputRecord, rawBody?: string): string {
  const r = rec.response;
  if (rawBody === undefined || !r || rawBody.indexOf('\n') >= 0 || rawBody.indexOf('\r') >= 0) return JSON.stringify(rec);
  const s = JSON.stringify;
  return `{"id":${s(rec.id)},"custom_id":${s(rec.custom_id)},"response":{"status_code":${s(r.status_code)},"request_id":${s(r.request_id)},"body":${rawBody}},"error":${s(rec.error)},"relay":${s(rec.relay)}}`;
}

export function emptyMeta(line: number): RelayMeta {
  return { line, attempts: 0, latency_ms: null, endpoint: null, model: null, tokens: null, cost: null, cached: false, deduplicated: false };
}

/** What a line of an output file says about its id: done well, done badly, or not a result at all. */
export interface ReadRecord {
  customId: string;
  ok: boolean;
  code?: string;
  /** A success served from relay's --cache: made earlier, so it says nothing about today's key. */
  cached?: boolean;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Classifies one output line, relay's own (custom_id and a `relay` object) or one from OpenAI's
 * Batch API (custom_id, `response` and `error`); anything else is not a result. A success needs
 * `error: null` and a 2xx `status_code` (R32: a 400 with `error: null` is a failure). The code of a
 * failure comes from `error.code`, else from the body's error, else the status.
 */
export function classifyOutputLine(text: string): ReadRecord | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(v)) return undefined;
  const id = v.custom_id;
  if (typeof id !== 'string' && typeof id !== 'number') return undefined;
  // An input line (OpenAI Batch input has custom_id too) or any other JSON is not a result.
  if (!isObj(v.relay) && !('response' in v && 'error' in v)) return undefined;
  const customId = String(id);
  const response = isObj(v.response) ? v.response : undefined;
  const status = typeof response?.status_code === 'number' ? response.status_code : undefined;
  if (isObj(v.error)) return { customId, ok: false, code: String(v.error.code ?? 'error') };
  if (v.error !== null && v.error !== undefined) return { customId, ok: false, code: 'error' };
  if (status !== undefined && status >= 200 && status < 300) {
    return isObj(v.relay) && v.relay.cached === true ? { customId, ok: true, cached: true } : { customId, ok: true };
  }
  const body = isObj(response?.body) ? response.body : undefined;
  const bodyErr = isObj(body?.error) ? body.error : undefined;
  const code = bodyErr?.code ?? bodyErr?.type ?? (status !== undefined ? String(status) : 'no_response');
  return { customId, ok: false, code: String(code) };
}
