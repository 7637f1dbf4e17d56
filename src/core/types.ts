// Shapes shared by the core, the commands and the library users.

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool' | 'developer';
  content: string | null | unknown[];
  [key: string]: unknown;
}

/** The body of POST /chat/completions. Extra provider parameters pass through untouched. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
  n?: number;
  temperature?: number;
  [key: string]: unknown;
}

/** Token counts of one reply. cached ⊆ prompt, reasoning ⊆ completion (never added twice). */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** Anthropic-style cache writes, when a server reports them. */
  cacheWriteTokens: number;
  /** True when the server sent no usage and the counts come from the tokenizer. */
  estimated: boolean;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One raw server-sent event: `event` is absent for the default "message" type. */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}

/** What the assembler hands on while a stream is read. `at` is performance.now() in ms. */
export type StreamDelta =
  | { kind: 'content'; text: string }
  | { kind: 'reasoning'; text: string }
  | { kind: 'tool_call'; index: number };

/** The server's error, found in a stream or in an error body. */
export interface ServerError {
  message: string;
  type?: string;
  code?: string;
  param?: string;
}

/** The state of a reply, built from stream chunks or from one non-streamed body. */
export interface Assembled {
  id?: string;
  model?: string;
  created?: number;
  content: string;
  reasoning: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
  /** Raw usage object as the server sent it (normalised later). */
  usage?: Record<string, unknown>;
  sawDone: boolean;
  error?: ServerError;
}

/** Times in milliseconds from the moment the request was handed to the socket pool. */
export interface Timings {
  /** performance.timeOrigin + start = wall clock of the send. */
  start: number;
  ttfb?: number;
  ttft?: number;
  e2e?: number;
  /** Arrival of every content/reasoning chunk, relative to start (bench asks for it). */
  chunks?: number[];
}

export interface RateLimitSnapshot {
  limitRequests?: number;
  remainingRequests?: number;
  /** Milliseconds until the request window resets. */
  resetRequestsMs?: number;
  limitTokens?: number;
  remainingTokens?: number;
  resetTokensMs?: number;
  source: 'openai' | 'anthropic' | 'none';
}

export interface ChatResult extends Assembled {
  /** complete iff [DONE] or a non-null finish_reason was seen (shared case R08). */
  complete: boolean;
  usage?: Record<string, unknown>;
  normalizedUsage: Usage;
  status: number;
  requestId?: string;
  endpoint: string;
  attempts: number;
  timings: Timings;
  rateLimit?: RateLimitSnapshot;
  warnings: string[];
  interrupted?: boolean;
  /** The reply came from relay sim (it marks every reply), so its figures describe a simulator. */
  simulated?: boolean;
  /** The reply came as an event stream (false: one JSON document, so TTFT is the whole reply). */
  streamed?: boolean;
}
