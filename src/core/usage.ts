import type { Usage } from './types.js';

// Servers name the same counts differently; this is the one place that knows the variants.
// cached ⊆ prompt and reasoning ⊆ completion (shared cases R26, R27): never add them on top.

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

export function emptyUsage(estimated = false): Usage {
  return { promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0, reasoningTokens: 0, cacheWriteTokens: 0, estimated };
}

/** Normalise an OpenAI / DeepSeek / Anthropic-compat / vLLM usage object; undefined when it has no counts. */
export function normalizeUsage(raw: unknown): Usage | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const u = raw as Record<string, unknown>;
  const prompt = num(u.prompt_tokens) ?? num(u.input_tokens);
  const completion = num(u.completion_tokens) ?? num(u.output_tokens);
  if (prompt === undefined && completion === undefined) return undefined;
  const promptDetails = obj(u.prompt_tokens_details ?? u.input_tokens_details);
  const completionDetails = obj(u.completion_tokens_details ?? u.output_tokens_details);
  const cached = num(promptDetails.cached_tokens) ?? num(u.prompt_cache_hit_tokens) ?? num(u.cache_read_input_tokens) ?? 0;
  const cacheWrite = num(promptDetails.cache_creation_tokens) ?? num(u.cache_creation_input_tokens) ?? 0;
  const reasoning = num(completionDetails.reasoning_tokens) ?? 0;
  // Anthropic's native shape counts cache reads and writes outside input_tokens.
  const anthropicNative = u.prompt_tokens === undefined && (num(u.cache_read_input_tokens) !== undefined || num(u.cache_creation_input_tokens) !== undefined);
  const p = (prompt ?? 0) + (anthropicNative ? cached + cacheWrite : 0);
  const c = completion ?? 0;
  return {
    promptTokens: p,
    completionTokens: c,
    totalTokens: num(u.total_tokens) ?? p + c,
    cachedTokens: Math.min(cached, p),
    reasoningTokens: Math.min(reasoning, c),
    cacheWriteTokens: cacheWrite,
    estimated: false,
  };
}

export function addUsage(a: Usage, b: Usage): Usage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
    cachedTokens: a.cachedTokens + b.cachedTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
    cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
    estimated: a.estimated || b.estimated,
  };
}
