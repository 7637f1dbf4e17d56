import { Rng, hashString, mix32 } from './random.js';
import { simToolCall, type SimToolCall } from './tools.js';
import { UNICODE_WORDS, WORDS } from './words.js';

// Deterministic reply text. A reply is a sequence of tokens; one token is one word with its
// leading space and any trailing punctuation (" river,", " Light."), so token counts are exact
// and streaming one token per chunk is natural. The sequence depends only on the seed, the
// request's messages (roles and text) and the choice index: never on max_tokens, stream, model
// or temperature. A reply cut by max_tokens is therefore a prefix of the uncut one, and the
// streamed text equals the non-streamed text byte for byte.

export interface ReplyShape {
  /** Natural reply length in tokens: a number, an inclusive range [min, max] drawn per request,
   *  or 'max' to always fill max_tokens (like vLLM's ignore_eos). Default 64. */
  replyTokens?: number | readonly [number, number] | 'max';
  /** Reasoning tokens emitted before the content (0 = none). They count toward max_tokens. */
  reasoningTokens?: number;
  /** Mix in non-ASCII words (about one word in eight). */
  unicode?: boolean;
}

export interface RequestLike {
  messages?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  ignore_eos?: unknown;
  [key: string]: unknown;
}

export interface SimReply {
  /** Content tokens, each a JSON-safe string (no quotes, backslashes or control characters). */
  content: string[];
  reasoning: string[];
  finishReason: 'stop' | 'length' | 'tool_calls';
  /** Set when the request offered tools: the reply is this call instead of content. */
  toolCall?: SimToolCall;
}

export const DEFAULT_REPLY_TOKENS = 64;

const SPACE = 1;
const CAPITAL = 2;
const PERIOD = 4;
const COMMA = 8;

function capitalize(w: string): string {
  return w.charAt(0).toUpperCase() + w.slice(1);
}

// Every spelling of every word, built once, so producing a reply allocates no strings.
function buildPieces(words: readonly string[]): string[] {
  const out: string[] = new Array(words.length * 16);
  words.forEach((w, i) => {
    for (let f = 0; f < 16; f++) {
      if ((f & PERIOD) && (f & COMMA)) continue;
      out[i * 16 + f] = (f & SPACE ? ' ' : '') + (f & CAPITAL ? capitalize(w) : w) + (f & PERIOD ? '.' : f & COMMA ? ',' : '');
    }
  });
  return out;
}

const PIECES = buildPieces(WORDS);
const UNICODE_PIECES = buildPieces(UNICODE_WORDS);

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) {
    let s = '';
    for (const part of content) {
      s += part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
        ? (part as { text: string }).text
        : JSON.stringify(part);
    }
    return s;
  }
  return JSON.stringify(content);
}

/** The part of a request the reply depends on: each message's role and text. */
export function requestKey(request: RequestLike): string {
  const msgs = Array.isArray(request.messages) ? request.messages : [];
  let key = '';
  for (const m of msgs) {
    const msg = (m ?? {}) as { role?: unknown; content?: unknown };
    key += `${String(msg.role)}\u0000${contentText(msg.content)}\u0001`;
  }
  return key;
}

/**
 * Prompt tokens, estimated the cheap way: 3 + for each message 4 + ceil(characters / 4), plus
 * ceil(characters / 4) of the JSON of `tools` when the request has them.
 * (OpenAI's rule of thumb of four characters a token, plus its per-message framing.)
 * Deterministic and fast; it is not a tokenizer and does not claim to be.
 */
export function estimatePromptTokens(request: RequestLike): number {
  const msgs = Array.isArray(request.messages) ? request.messages : [];
  let n = 3;
  for (const m of msgs) n += 4 + Math.ceil(contentText(((m ?? {}) as { content?: unknown }).content).length / 4);
  if (request.tools !== undefined) n += Math.ceil(JSON.stringify(request.tools).length / 4);
  return n;
}

/** max_completion_tokens, else max_tokens; undefined when the request sets neither. */
export function requestMaxTokens(request: RequestLike): number | undefined {
  const v = request.max_completion_tokens ?? request.max_tokens;
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function fillTokens(rng: Rng, count: number, unicode: boolean, out: string[], finalStop: boolean): void {
  let untilPeriod = 0;
  let capital = true;
  for (let i = 0; i < count; i++) {
    if (untilPeriod === 0) untilPeriod = 5 + (rng.u32() % 10);
    const r = rng.u32();
    untilPeriod--;
    const last = i === count - 1;
    let f: number = (i === 0 ? 0 : SPACE) | (capital ? CAPITAL : 0);
    if (untilPeriod === 0 || (last && finalStop)) f |= PERIOD;
    else if ((r >>> 24) < 20) f |= COMMA;
    capital = (f & PERIOD) !== 0;
    if (unicode && (r & 7) === 0) out.push(UNICODE_PIECES[((r >>> 3) % UNICODE_WORDS.length) * 16 + f]!);
    else out.push(PIECES[((r >>> 3) % WORDS.length) * 16 + f]!);
  }
}

function naturalLength(shape: ReplyShape, base: number, budget: number | undefined, reasoning: number, ignoreEos: boolean): number {
  const rt = shape.replyTokens ?? DEFAULT_REPLY_TOKENS;
  if (rt === 'max' || ignoreEos) return budget !== undefined ? Math.max(0, budget - reasoning) : DEFAULT_REPLY_TOKENS;
  if (typeof rt === 'number') return rt;
  const [lo, hi] = rt;
  return lo + (mix32(base ^ 0x6c656e) % (hi - lo + 1));
}

/**
 * The reply the simulator sends for `request` (choice `choice` when n > 1). `maxTokens` defaults
 * to the request's max_completion_tokens / max_tokens; reasoning tokens come out of the same budget.
 */
export function simReply(seed: number, request: RequestLike, maxTokens?: number, shape: ReplyShape = {}, choice = 0): SimReply {
  const key = requestKey(request);
  const base = hashString(key, mix32(seed >>> 0));
  const budget = maxTokens ?? requestMaxTokens(request);
  const wantReasoning = shape.reasoningTokens ?? 0;
  const unicode = shape.unicode === true;
  const toolCall = request.tools === undefined ? undefined : simToolCall(seed, key, request, choice);
  if (toolCall) {
    const reasoning: string[] = [];
    const r = budget === undefined ? wantReasoning : Math.min(wantReasoning, budget);
    if (r > 0) fillTokens(new Rng(mix32(base ^ 0x7265617 ^ Math.imul(choice + 1, 0x27d4eb2f))), r, unicode, reasoning, true);
    return { content: [], reasoning, finishReason: 'tool_calls', toolCall };
  }
  const natural = naturalLength(shape, base, budget, wantReasoning, request.ignore_eos === true);
  let reasoningN = wantReasoning;
  let contentN = natural;
  let finishReason: 'stop' | 'length' = 'stop';
  if (budget !== undefined && budget < reasoningN + contentN) {
    finishReason = 'length';
    reasoningN = Math.min(reasoningN, budget);
    contentN = budget - reasoningN;
  } else if (shape.replyTokens === 'max' || request.ignore_eos === true) {
    finishReason = budget !== undefined ? 'length' : 'stop';
  }
  const reasoning: string[] = [];
  if (reasoningN > 0) fillTokens(new Rng(mix32(base ^ 0x7265617 ^ Math.imul(choice + 1, 0x27d4eb2f))), reasoningN, unicode, reasoning, true);
  const content: string[] = [];
  fillTokens(new Rng(mix32(base ^ Math.imul(choice + 1, 0x9e3779b1))), contentN, unicode, content, finishReason === 'stop');
  return { content, reasoning, finishReason };
}

/** The reply's content as one string: what a client must print, byte for byte. */
export function simReplyText(seed: number, request: RequestLike, maxTokens?: number, shape: ReplyShape = {}, choice = 0): string {
  return simReply(seed, request, maxTokens, shape, choice).content.join('');
}

/** The reply's reasoning text (empty unless shape.reasoningTokens > 0). */
export function simReasoningText(seed: number, request: RequestLike, maxTokens?: number, shape: ReplyShape = {}, choice = 0): string {
  return simReply(seed, request, maxTokens, shape, choice).reasoning.join('');
}
