import { readFileSync } from 'node:fs';
import { usageError } from '../core/errors.js';
import type { ChatMessage, ChatRequest } from '../core/types.js';
import { Rng, subSeed } from './random.js';

// What each request asks: one prompt, a JSONL file of prompts (sampled with the seed), or a
// synthetic prompt of about N tokens. Every request of a run draws from the same list.

export interface WorkloadSpec {
  model: string;
  prompt?: string;
  promptsFile?: string;
  inputTokens?: number;
  maxTokens?: number;
}

export const DEFAULT_PROMPT = 'Write a short paragraph about lighthouses.';

// Short common words: in the o200k and cl100k encodings each, with its leading space, is one token.
const WORDS = ['the', 'light', 'house', 'stood', 'on', 'a', 'rock', 'by', 'sea', 'and', 'every', 'night', 'its', 'lamp',
  'turned', 'over', 'water', 'ships', 'saw', 'it', 'far', 'from', 'shore', 'when', 'wind', 'came', 'with', 'rain', 'old',
  'man', 'kept', 'fire', 'bright', 'until', 'morning'];

/** About n tokens of plain text (one word per token, give or take a few), the same for a given n. */
export function syntheticPrompt(n: number): string {
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(WORDS[(i * 11) % WORDS.length]!);
  return words.join(' ');
}

function messagesOf(line: unknown, where: string): ChatMessage[] {
  const o = line as Record<string, unknown>;
  const body = o && typeof o.body === 'object' && o.body ? (o.body as Record<string, unknown>) : o;
  if (typeof body?.prompt === 'string') return [{ role: 'user', content: body.prompt }];
  if (Array.isArray(body?.messages) && body.messages.length > 0) return body.messages as ChatMessage[];
  throw usageError(`${where}: expected {"prompt": "..."} or {"messages": [...]}`);
}

export function readPrompts(path: string): ChatMessage[][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw usageError(`cannot read --prompts ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const out: ChatMessage[][] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw usageError(`${path} line ${i + 1}: not JSON; each line is {"prompt": "..."} or {"messages": [...]}`);
    }
    out.push(messagesOf(parsed, `${path} line ${i + 1}`));
  });
  if (out.length === 0) throw usageError(`${path} has no prompts; each line is {"prompt": "..."} or {"messages": [...]}`);
  return out;
}

export function buildRequests(spec: WorkloadSpec): ChatRequest[] {
  const given = [spec.prompt !== undefined, spec.promptsFile !== undefined, spec.inputTokens !== undefined].filter(Boolean).length;
  if (given > 1) throw usageError('choose one of --prompt, --prompts FILE and --input-tokens N');
  let conversations: ChatMessage[][];
  if (spec.promptsFile !== undefined) conversations = readPrompts(spec.promptsFile);
  else if (spec.inputTokens !== undefined) conversations = [[{ role: 'user', content: syntheticPrompt(spec.inputTokens) }]];
  else conversations = [[{ role: 'user', content: spec.prompt ?? DEFAULT_PROMPT }]];
  return conversations.map((messages) => ({
    model: spec.model, messages, ...(spec.maxTokens !== undefined ? { max_tokens: spec.maxTokens } : {}),
  }));
}

/** Seeded sampling with replacement (one prompt: always that one). */
export function requestSampler(requests: ChatRequest[], seed: number): () => ChatRequest {
  if (requests.length === 1) return () => requests[0]!;
  const rng = new Rng(subSeed(seed, 'prompts'));
  return () => requests[rng.int(requests.length)]!;
}
