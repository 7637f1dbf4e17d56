import { estimatePromptTokens } from '../core/tokens.js';
import type { ChatRequest } from '../core/types.js';

// What a request counts against a tokens-per-minute limit before it is sent: providers charge
// prompt + n x max_tokens up front (shared case R25, openai/openai-python#605: with n = 5 a client
// reserving prompt + max_tokens got 429s). The surplus is given back when usage arrives.

/** Assumed reply length per choice when a request sets no max_tokens: a guess, refunded later. */
export const DEFAULT_COMPLETION_RESERVE = 256;

function positiveInt(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
}

/** n x (max_completion_tokens, else max_tokens, else the default reserve). */
export function completionReserve(req: Pick<ChatRequest, 'n' | 'max_tokens' | 'max_completion_tokens'>, fallback = DEFAULT_COMPLETION_RESERVE): number {
  const n = Math.max(1, positiveInt(req.n) ?? 1);
  const max = positiveInt(req.max_completion_tokens) ?? positiveInt(req.max_tokens) ?? fallback;
  return n * max;
}

/** Prompt tokens (tokenizer estimate, with message framing) + n x max_tokens. */
export async function reservationTokens(req: ChatRequest, fallback = DEFAULT_COMPLETION_RESERVE): Promise<{ prompt: number; total: number }> {
  const prompt = await estimatePromptTokens(Array.isArray(req.messages) ? req.messages : []);
  return { prompt, total: prompt + completionReserve(req, fallback) };
}
