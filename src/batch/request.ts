import type { ChatMessage, ChatRequest } from '../core/types.js';
import type { InputLine } from './jsonl.js';
import type { IdSet } from './keys.js';

// One input line -> one request, or the reason it cannot be one (DESIGN 5). Two shapes, mixable:
//   simple:       {"id"?, "prompt": "..."} or {"id"?, "messages": [...], "model"?, ...params}
//   OpenAI Batch: {"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {...}}
// Flags fill what a line leaves out (--model, --system, --temperature, --max-tokens).
// Batch sends every request without streaming: `stream` and `stream_options` are dropped.
// A line without a usable id (none given, or unparseable) gets the auto id `line-<n>`. Auto ids
// are never duplicates of each other, so the duplicate check skips them; when a user's own id is
// already `line-<n>`, the auto id becomes `line-<n>-auto` (again until free), so output ids stay
// unique and the same input always gets the same ids (resume depends on that).

export interface LineDefaults {
  model?: string;
  system?: string;
  temperature?: number;
  maxTokens?: number;
}

export type LineErrorCode = 'invalid_json' | 'invalid_request' | 'line_too_long';

export interface BatchItem {
  lineNo: number;
  /** custom_id (OpenAI Batch) or id (simple), else `line-<n>` (see autoId). */
  id: string;
  /** The id was made up by relay: `line-<n>`, with `-auto` appended while it is a user's id. */
  autoId?: boolean;
  format?: 'simple' | 'openai';
  request?: ChatRequest;
  error?: { code: LineErrorCode; message: string };
  /** Neither the line nor --model names a model (the command refuses the file up front). */
  missingModel?: boolean;
}

const CHAT_PATHS = new Set(['/v1/chat/completions', '/chat/completions']);

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? 'a string' : `a ${typeof v}`;
}

function fail(lineNo: number, id: string, code: LineErrorCode, why: string, format?: BatchItem['format']): BatchItem {
  return { lineNo, id, format, error: { code, message: `line ${lineNo}: ${why}` } };
}

function readId(v: unknown): string | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

function checkMessages(v: unknown): string | undefined {
  if (!Array.isArray(v)) return `"messages" must be an array of {role, content} objects, got ${kindOf(v)}`;
  if (v.length === 0) return '"messages" is empty';
  for (let i = 0; i < v.length; i++) {
    const m = v[i];
    if (!isObj(m) || typeof m.role !== 'string') return `messages[${i}] must be an object with a string "role"`;
  }
  return undefined;
}

/** Fills defaults into `body` itself: it is a freshly parsed object that nothing else holds. */
function withDefaults(body: Record<string, unknown>, d: LineDefaults): ChatRequest {
  const req = body as ChatRequest;
  if (req.stream !== undefined) delete req.stream;
  if (req.stream_options !== undefined) delete req.stream_options;
  if (req.model === undefined && d.model !== undefined) req.model = d.model;
  if (d.system !== undefined && !hasSystem(req.messages)) {
    req.messages = [{ role: 'system', content: d.system }, ...req.messages];
  }
  if (req.temperature === undefined && d.temperature !== undefined) req.temperature = d.temperature;
  if (req.max_tokens === undefined && req.max_completion_tokens === undefined && d.maxTokens !== undefined) req.max_tokens = d.maxTokens;
  return req;
}

function hasSystem(messages: ChatMessage[]): boolean {
  for (const m of messages) if (m.role === 'system' || m.role === 'developer') return true;
  return false;
}

function finish(lineNo: number, id: string, format: BatchItem['format'], body: Record<string, unknown>, d: LineDefaults): BatchItem {
  const bad = checkMessages(body.messages);
  if (bad) return fail(lineNo, id, 'invalid_request', bad, format);
  if (body.model !== undefined && (typeof body.model !== 'string' || body.model === '')) {
    return fail(lineNo, id, 'invalid_request', `"model" must be a non-empty string, got ${kindOf(body.model)}`, format);
  }
  const request = withDefaults(body, d);
  if (typeof request.model !== 'string') {
    return { ...fail(lineNo, id, 'invalid_request', 'no model: add "model" to the line or pass --model', format), missingModel: true };
  }
  return { lineNo, id, format, request };
}

/** `line-<n>`, or with `-auto` appended while a user's own id (in `taken`) already is that. */
export function autoIdFor(lineNo: number, taken?: IdSet): string {
  let id = `line-${lineNo}`;
  for (let i = 0; taken && i <= taken.size && taken.has(id); i++) id += '-auto';
  return id;
}

/** `taken`: the user ids in the file that start with `line-` (ScanResult.lineIds), once known. */
export function parseLine(line: InputLine, d: LineDefaults, taken?: IdSet): BatchItem {
  const auto = { id: autoIdFor(line.lineNo, taken), used: false };
  const item = parseOne(line, d, () => {
    auto.used = true;
    return auto.id;
  });
  if (auto.used) item.autoId = true;
  return item;
}

function parseOne(line: InputLine, d: LineDefaults, fallbackId: () => string): BatchItem {
  const lineNo = line.lineNo;
  if (line.oversized !== undefined) {
    const mb = (line.oversized / (1024 * 1024)).toFixed(1);
    return fail(lineNo, fallbackId(), 'line_too_long', `the line is ${mb} MB, more than relay reads in one line; split or shorten it`);
  }
  let v: unknown;
  try {
    v = JSON.parse(line.text);
  } catch (e) {
    return fail(lineNo, fallbackId(), 'invalid_json', `not valid JSON (${(e as Error).message})`);
  }
  if (!isObj(v)) return fail(lineNo, fallbackId(), 'invalid_request', `expected a JSON object, got ${kindOf(v)}`);

  const openai = 'custom_id' in v || 'body' in v || 'url' in v || 'method' in v;
  if (openai) {
    const id = readId(v.custom_id);
    if (id === null) return fail(lineNo, fallbackId(), 'invalid_request', '"custom_id" must be a non-empty string', 'openai');
    const rid = id ?? fallbackId();
    if (v.method !== undefined && String(v.method).toUpperCase() !== 'POST') {
      return fail(lineNo, rid, 'invalid_request', `"method" must be POST, got ${JSON.stringify(v.method)}`, 'openai');
    }
    if (v.url !== undefined && !CHAT_PATHS.has(String(v.url))) {
      return fail(lineNo, rid, 'invalid_request', `"url" ${JSON.stringify(v.url)} is not supported; relay batch sends /v1/chat/completions`, 'openai');
    }
    if (!isObj(v.body)) return fail(lineNo, rid, 'invalid_request', `"body" must be an object, got ${kindOf(v.body)}`, 'openai');
    return finish(lineNo, rid, 'openai', v.body, d);
  }

  const id = readId(v.id);
  if (id === null) return fail(lineNo, fallbackId(), 'invalid_request', '"id" must be a non-empty string or a number', 'simple');
  const rid = id ?? fallbackId();
  const prompt = v.prompt;
  const system = v.system;
  // A loop, not `{ id, prompt, system, ...params } = v`: object rest was a tenth of the line's cost.
  const params: Record<string, unknown> = {};
  for (const k in v) if (k !== 'id' && k !== 'prompt' && k !== 'system' && k !== '__proto__') params[k] = v[k];
  if (prompt !== undefined) {
    if (params.messages !== undefined) return fail(lineNo, rid, 'invalid_request', 'give either "prompt" or "messages", not both', 'simple');
    if (typeof prompt !== 'string') return fail(lineNo, rid, 'invalid_request', `"prompt" must be a string, got ${kindOf(prompt)}`, 'simple');
    params.messages = [{ role: 'user', content: prompt }] satisfies ChatMessage[];
  } else if (params.messages === undefined) {
    return fail(lineNo, rid, 'invalid_request', 'no "prompt" or "messages": nothing to send', 'simple');
  }
  if (system !== undefined) {
    if (typeof system !== 'string') return fail(lineNo, rid, 'invalid_request', `"system" must be a string, got ${kindOf(system)}`, 'simple');
    if (Array.isArray(params.messages)) params.messages = [{ role: 'system', content: system }, ...params.messages];
  }
  return finish(lineNo, rid, 'simple', params, d);
}
