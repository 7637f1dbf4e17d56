import { estimatePromptTokens, countTokens } from './tokens.js';
import { normalizeUsage } from './usage.js';
import type { Assembled, ChatRequest, Usage } from './types.js';

/** The server's usage when it sent one; otherwise a tokenizer estimate, marked `estimated`. */
export async function completeUsage(state: Assembled, req: ChatRequest): Promise<Usage> {
  const real = normalizeUsage(state.usage);
  if (real) return real;
  const prompt = await estimatePromptTokens(req.messages);
  let completion = await countTokens(state.content + state.reasoning);
  for (const t of state.toolCalls) completion += await countTokens(t.function.name + t.function.arguments);
  return {
    promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion,
    cachedTokens: 0, reasoningTokens: state.reasoning ? await countTokens(state.reasoning) : 0, cacheWriteTokens: 0, estimated: true,
  };
}
