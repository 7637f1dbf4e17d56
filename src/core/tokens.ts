import type { ChatMessage } from './types.js';

// Token estimates for when a server sends no usage (marked `estimated` by the caller) and for rate
// limiting before a request is sent. gpt-tokenizer (o200k_base, the GPT-4o/4.1/5 encoding) is imported
// on first use only: `relay --help` must not pay for loading its tables.

type Tokenizer = typeof import('gpt-tokenizer');
let loading: Promise<Tokenizer> | undefined;

function tokenizer(): Promise<Tokenizer> {
  loading ??= import('gpt-tokenizer');
  return loading;
}

// Special-token text such as "<|endoftext|>" in a prompt is counted as plain text, not rejected.
const PLAIN = { disallowedSpecial: new Set<string>() };

export async function countTokens(text: string): Promise<number> {
  if (text === '') return 0;
  const t = await tokenizer();
  return t.countTokens(text, PLAIN);
}

// OpenAI cookbook, "How to count tokens with tiktoken" (gpt-3.5-turbo-0613 and later, gpt-4*):
// every message costs 3 tokens of framing (<|start|>role…<|message|>…<|end|>) plus its encoded values;
// a `name` costs 1 more; every reply is primed with <|start|>assistant<|message|>, 3 tokens.
// https://github.com/openai/openai-cookbook/blob/main/examples/How_to_count_tokens_with_tiktoken.ipynb
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
const REPLY_PRIMING = 3;

/** The text a message contributes: string content, text parts of array content, tool-call JSON. */
function messageTexts(m: ChatMessage): string[] {
  const out: string[] = [m.role];
  const c = m.content;
  if (typeof c === 'string') out.push(c);
  else if (Array.isArray(c)) {
    for (const part of c) {
      if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
        out.push((part as { text: string }).text);
      }
      // Images and audio are priced by the server in ways text tokenizers cannot see; not counted.
    }
  }
  if (typeof m.name === 'string') out.push(m.name);
  if (Array.isArray(m.tool_calls)) out.push(JSON.stringify(m.tool_calls));
  if (typeof m.tool_call_id === 'string') out.push(m.tool_call_id);
  return out;
}

export async function estimatePromptTokens(messages: ChatMessage[]): Promise<number> {
  const t = await tokenizer();
  let total = REPLY_PRIMING;
  for (const m of messages) {
    total += TOKENS_PER_MESSAGE;
    for (const s of messageTexts(m)) if (s !== '') total += t.countTokens(s, PLAIN);
    if (typeof m.name === 'string') total += TOKENS_PER_NAME;
  }
  return total;
}

/**
 * A fast estimate without the tokenizer, for hot paths (rate-limit reservations): about 4 characters per
 * token for ASCII text, 2 for other alphabetic scripts (Cyrillic, Greek, accents), 1 for CJK and other
 * characters from U+2E80 up, where BPE vocabularies rarely merge characters. Rounded up.
 */
export function roughTokens(text: string): number {
  let quarters = 0; // in quarter tokens, to stay in integers
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) quarters += 1;
    else if (c >= 0xdc00 && c <= 0xdfff) continue; // low surrogate: counted with its high half
    else if (c < 0x2e80) quarters += 2;
    else quarters += 4;
  }
  return Math.ceil(quarters / 4);
}
