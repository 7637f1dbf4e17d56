import type { Assembled, ServerError, StreamDelta } from './types.js';

// Builds one reply from `chat.completion.chunk` objects, or from a whole `chat.completion` body.
// Every field is read defensively: real servers send shapes the OpenAI reference never shows
// (shared cases R09, R11, R14, R15, R17 and wire/SOURCES.md).
//
// Only choice 0 is assembled (relay never asks for n > 1 in a stream); a choice without an `index`
// counts as choice 0.

export interface Assembler {
  apply(chunk: unknown): void;
  readonly state: Assembled;
  /** The state with tool-call arguments finalised (empty arguments become "{}", see R17). */
  finish(): Assembled;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function emptyAssembled(): Assembled {
  return { content: '', reasoning: '', toolCalls: [], finishReason: null, sawDone: false };
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function errorFrom(src: Obj): ServerError {
  const err: ServerError = { message: str(src.message) ?? 'the server reported an error without a message' };
  // `type: "error"` is the envelope (R07b, OpenAI Responses events), not the kind of error.
  const type = src.type !== 'error' ? str(src.type) : undefined;
  const t = type ?? str(src.status); // Gemini: status "RESOURCE_EXHAUSTED"
  if (t !== undefined) err.type = t;
  const code = str(src.code);
  if (code !== undefined) err.code = code;
  const param = str(src.param);
  if (param !== undefined) err.param = param;
  return err;
}

/**
 * The server's error from `{"error": {...}}` or `{"error": "text"}`; with `topLevel` (the data of an
 * `event: error`, R07b) or `type: "error"`, the object itself is the error. Anthropic's
 * `{"type":"error","error":{...}}` reads the inner object.
 */
export function extractServerError(body: unknown, topLevel = false): ServerError | undefined {
  if (Array.isArray(body)) body = body[0]; // Gemini wraps error bodies in an array
  if (!isObj(body)) return undefined;
  const inner = body.error;
  if (typeof inner === 'string' && inner !== '') return { message: inner };
  if (isObj(inner)) return errorFrom(inner);
  if (topLevel || body.type === 'error') return errorFrom(body);
  return undefined;
}

function idOf(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Empty or whitespace-only arguments mean "no arguments": `{}` is what a tool runner can parse. */
function finalArguments(args: string): string {
  for (let i = 0; i < args.length; i++) {
    const c = args.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return args;
  }
  return '{}';
}

function parsesAsJson(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

function textOf(content: unknown, reasoningOut: string[]): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  // Content as parts (Mistral and others): text parts are content, "thinking" parts are reasoning.
  let text = '';
  for (const part of content) {
    if (!isObj(part)) continue;
    if (part.type === 'text' && typeof part.text === 'string') text += part.text;
    else if (part.type === 'thinking') reasoningOut.push(textOf(part.thinking, reasoningOut));
  }
  return text;
}

/** Builds an Assembled from chunks or a whole body. A class, so a reply costs no closures. */
class Builder {
  readonly state = emptyAssembled();
  // Server index -> position in state.toolCalls. Streams may start at index 1 (wire/anthropic…)
  // or skip indexes, so the array stays dense, ordered by first appearance.
  // Made at the first tool call: most replies have none, and bench builds one of these per request.
  private slots: Map<number, number> | undefined;
  private lastIndex = -1;
  private syntheticIndex = 1_000_000; // for tool calls that arrive without a usable index

  constructor(private readonly onDelta?: (d: StreamDelta) => void) {}

  private toolCallDelta(raw: unknown): void {
    if (!isObj(raw)) return;
    this.slots ??= new Map();
    const fn = isObj(raw.function) ? raw.function : undefined;
    const id = idOf(raw.id);
    let index = typeof raw.index === 'number' ? raw.index : undefined;
    if (index === undefined) {
      // No index: a new id starts a new call, anything else continues the last one.
      const lastPos = this.slots.get(this.lastIndex);
      const last = lastPos === undefined ? undefined : this.state.toolCalls[lastPos];
      index = last && (id === undefined || id === last.id) ? this.lastIndex : this.syntheticIndex++;
    }
    let pos = this.slots.get(index);
    if (pos !== undefined && id !== undefined) {
      const prev = this.state.toolCalls[pos]!;
      // Same index, another id, previous call complete: some servers number parallel calls all 0.
      if (prev.id !== '' && prev.id !== id && prev.function.arguments !== '' && parsesAsJson(prev.function.arguments)) {
        index = this.syntheticIndex++;
        pos = undefined;
      }
    }
    if (pos === undefined) {
      pos = this.state.toolCalls.length;
      this.slots.set(index, pos);
      this.state.toolCalls.push({ id: id ?? '', type: 'function', function: { name: '', arguments: '' } });
    }
    const call = this.state.toolCalls[pos]!;
    if (id !== undefined && call.id === '') call.id = id;
    this.lastIndex = index;
    if (fn) {
      const name = fn.name;
      // Names arrive whole; a later fragment repeating it (R17 variant a) must not double it.
      if (typeof name === 'string' && name !== '' && name !== call.function.name) {
        const have = call.function.name;
        call.function.name = have === '' || name.startsWith(have) ? name : have + name;
      }
      const args = fn.arguments; // absent (R17c) or null: nothing to add
      if (typeof args === 'string' && args !== '') {
        const have = call.function.arguments;
        if (have === '') call.function.arguments = args;
        else if (args !== have || !parsesAsJson(have)) call.function.arguments = have + args;
        // else: the complete document sent again; appending would give "{}{}" (R17).
      } else if (isObj(args)) {
        call.function.arguments = JSON.stringify(args); // a few servers send an object, not a string
      }
    }
    if (this.onDelta) this.onDelta({ kind: 'tool_call', index: pos });
  }

  private applyMessageLike(d: Obj): void {
    const c = d.content;
    // Parts only when content is an array: a string (almost every delta) needs no list.
    const parts: string[] | undefined = Array.isArray(c) ? [] : undefined;
    const content = parts ? textOf(c, parts) : typeof c === 'string' ? c : '';
    if (content !== '') {
      this.state.content += content;
      if (this.onDelta) this.onDelta({ kind: 'content', text: content });
    }
    // DeepSeek/vLLM say reasoning_content, OpenRouter/Ollama say reasoning; some send both with the
    // same text, so take one of them, never both.
    const rc = d.reasoning_content;
    let reasoning = typeof rc === 'string' && rc !== '' ? rc : typeof d.reasoning === 'string' ? d.reasoning : '';
    if (parts && parts.length > 0) reasoning += parts.join('');
    if (reasoning !== '') {
      this.state.reasoning += reasoning;
      if (this.onDelta) this.onDelta({ kind: 'reasoning', text: reasoning });
    }
    const tcs = d.tool_calls;
    if (Array.isArray(tcs)) for (const tc of tcs) this.toolCallDelta(tc);
  }

  private meta(c: Obj): void {
    // Taken from the first chunk that has them: Azure's first chunk has empty id/model (R09).
    if (this.state.id === undefined) {
      const id = idOf(c.id);
      if (id !== undefined) this.state.id = id;
    }
    if (this.state.model === undefined) {
      const model = idOf(c.model);
      if (model !== undefined) this.state.model = model;
    }
    if (this.state.created === undefined && typeof c.created === 'number' && c.created > 0) this.state.created = c.created;
    // From any chunk: a trailing choices:[] chunk (R11), the finish chunk (R14), a chunk with an empty delta (R17).
    if (isObj(c.usage)) this.state.usage = c.usage;
  }

  private applyChoice(choice: Obj, key: 'delta' | 'message'): void {
    if (choice.index !== undefined && choice.index !== 0) return;
    const d = choice[key];
    if (isObj(d)) this.applyMessageLike(d);
    const fr = choice.finish_reason;
    // Kept once set: Azure sends a content-filter choice with finish_reason null after the finish (R09).
    if (this.state.finishReason === null && typeof fr === 'string' && fr !== '') this.state.finishReason = fr;
  }

  private setError(body: unknown): void {
    const err = extractServerError(body);
    if (err && !this.state.error) this.state.error = err;
  }

  apply(body: unknown, key: 'delta' | 'message'): void {
    if (!isObj(body)) {
      if (Array.isArray(body)) this.setError(body);
      return;
    }
    this.meta(body);
    const choices = body.choices;
    if (Array.isArray(choices)) {
      for (let i = 0; i < choices.length; i++) {
        const ch = choices[i];
        if (isObj(ch)) this.applyChoice(ch, key);
      }
    }
    if (body.error !== undefined && body.error !== null || body.type === 'error') this.setError(body);
  }

  finish(): Assembled {
    for (const call of this.state.toolCalls) call.function.arguments = finalArguments(call.function.arguments);
    return this.state;
  }
}

export function createAssembler(onDelta?: (d: StreamDelta) => void): Assembler {
  const b = new Builder(onDelta);
  return {
    state: b.state,
    apply: (chunk: unknown) => b.apply(chunk, 'delta'),
    finish: () => b.finish(),
  };
}

/** The Assembled of a non-streamed `chat.completion` body (or of an error body). */
export function assembleCompletion(body: unknown): Assembled {
  const b = new Builder();
  b.apply(body, 'message');
  return b.finish();
}
