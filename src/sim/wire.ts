// Every simulated reply carries SIM_MARKER (value: the profile name), so clients can label its figures as simulated.
export { SIM_MARKER } from '../core/sim-marker.js';

// The OpenAI wire shapes the simulator writes, as string templates: the hot path concatenates a
// per-request prefix with precomputed pieces instead of building and serialising objects.
// Shapes follow api.openai.com as recorded (chunk fields, the trailing `choices: []` usage chunk
// with stream_options.include_usage, error bodies with message/type/param/code).

export const SYSTEM_FINGERPRINT = 'fp_relaysim';

export interface UsageCounts {
  prompt: number;
  completion: number;
  reasoning: number;
}

export function usageJson(u: UsageCounts): string {
  return `{"prompt_tokens":${u.prompt},"completion_tokens":${u.completion},"total_tokens":${u.prompt + u.completion},`
    + `"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":${u.reasoning},`
    + `"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`;
}

export function errorBody(message: string, type: string, code: string | null = null, param: string | null = null): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

/** Builds the SSE events of one streamed reply; every string is a complete `data:` event. */
export class ChunkTemplate {
  private readonly head: string;
  private readonly usageHead: string;

  constructor(id: string, created: number, model: string) {
    const common = `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},`
      + `"system_fingerprint":"${SYSTEM_FINGERPRINT}",`;
    this.head = `data: ${common}"choices":[{"index":`;
    this.usageHead = `data: ${common}"choices":[],"usage":`;
  }

  role(index: number): string {
    return `${this.head}${index},"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  /** `text` must already be JSON-safe (the simulator's pieces are). */
  content(index: number, text: string): string {
    return `${this.head}${index},"delta":{"content":"${text}"},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  /** DeepSeek's shape: reasoning_content with content null. */
  reasoning(index: number, text: string): string {
    return `${this.head}${index},"delta":{"content":null,"reasoning_content":"${text}"},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  /** First tool-call delta: id, type and name, empty arguments (`name` JSON-encoded by the caller). */
  toolHead(index: number, id: string, nameJson: string): string {
    return `${this.head}${index},"delta":{"content":null,"tool_calls":[{"index":0,"id":"${id}","type":"function",`
      + `"function":{"name":${nameJson},"arguments":""}}]},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  /** One argument fragment (already JSON-string-escaped). */
  toolArgs(index: number, fragment: string): string {
    return `${this.head}${index},"delta":{"tool_calls":[{"index":0,"function":{"arguments":"${fragment}"}}]},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  finish(index: number, reason: string): string {
    return `${this.head}${index},"delta":{},"logprobs":null,"finish_reason":"${reason}"}]}\n\n`;
  }

  usage(u: UsageCounts): string {
    return `${this.usageHead}${usageJson(u)}}\n\n`;
  }
}

export const DONE_EVENT = 'data: [DONE]\n\n';

export function streamErrorEvent(): string {
  return `data: ${errorBody('The server had an error while processing your request. Sorry about that!', 'server_error')}\n\n`;
}

export interface ChoiceBody {
  content: string;
  reasoning?: string;
  finishReason: string;
  toolCall?: { id: string; name: string; arguments: string };
}

export function completionBody(id: string, created: number, model: string, choices: ChoiceBody[], usage: UsageCounts): string {
  let list = '';
  for (let i = 0; i < choices.length; i++) {
    const c = choices[i]!;
    const reasoning = c.reasoning ? `,"reasoning_content":"${c.reasoning}"` : '';
    const t = c.toolCall;
    const content = t ? `null${reasoning},"tool_calls":[{"id":"${t.id}","type":"function","function":{"name":${JSON.stringify(t.name)},`
      + `"arguments":${JSON.stringify(t.arguments)}}}]` : `"${c.content}"${reasoning}`;
    list += `${i ? ',' : ''}{"index":${i},"message":{"role":"assistant","content":${content},"refusal":null,"annotations":[]},`
      + `"logprobs":null,"finish_reason":"${c.finishReason}"}`;
  }
  return `{"id":"${id}","object":"chat.completion","created":${created},"model":${JSON.stringify(model)},"choices":[${list}],`
    + `"usage":${usageJson(usage)},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}"}`;
}

export function modelsBody(models: readonly string[], created: number): string {
  return JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model', created, owned_by: 'relay-sim' })) });
}

export function modelBody(id: string, created: number): string {
  return JSON.stringify({ id, object: 'model', created, owned_by: 'relay-sim' });
}

// OpenAI's own wording where it is well known; the key sent or expected is never part of it.
export const ERR = {
  missingKey: () => errorBody("You didn't provide an API key. You need to provide your API key in an Authorization header "
    + "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", 'invalid_request_error', 'invalid_api_key'),
  badKey: () => errorBody('Incorrect API key provided. Check the key your client sends to this relay sim endpoint.',
    'invalid_request_error', 'invalid_api_key'),
  badJson: () => errorBody('We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your '
    + 'HTTP library correctly. The OpenAI API expects a JSON payload.)', 'invalid_request_error'),
  invalid: (message: string, param: string | null) => errorBody(message, 'invalid_request_error', null, param),
  noModel: (model: string) => errorBody(`The model \`${model}\` does not exist or you do not have access to it.`,
    'invalid_request_error', 'model_not_found', 'model'),
  notFound: (method: string, path: string) => errorBody(`Invalid URL (${method} ${path})`, 'invalid_request_error'),
  tooLarge: () => errorBody('Request body too large.', 'invalid_request_error'),
  rateLimit: (what: string, limit: number, remaining: number, requested: number, wait: string) =>
    errorBody(`Rate limit reached for ${what} per min: Limit ${limit}, Remaining ${remaining}, Requested ${requested}. `
      + `Please try again in ${wait}.`, what, 'rate_limit_exceeded'),
  injected429: (wait: string) => errorBody(`Rate limit reached for requests. Please try again in ${wait}.`, 'requests', 'rate_limit_exceeded'),
  quota: () => errorBody('You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota'),
  server: () => errorBody('The server had an error while processing your request. Sorry about that!', 'server_error'),
  overloaded: () => errorBody('The engine is currently overloaded, please try again later.', 'server_error', 'service_unavailable'),
  status: (status: number) => errorBody(`Simulated error (HTTP ${status}).`, status >= 500 ? 'server_error' : 'invalid_request_error',
    `sim_${status}`),
};
