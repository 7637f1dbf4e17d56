import { performance } from 'node:perf_hooks';
import type { RelayClient } from '../core/client.js';
import type { ChatRequest } from '../core/types.js';
import { normalizeUsage } from '../core/usage.js';
import { failureCode } from './metrics.js';

// The one call the bench makes per request. A target is anything with a Send: today one endpoint
// (one attempt through RelayClient, never retried, because a retry would hide the error and
// stretch the latency); later a whole route (issue 6) behind the same signature.

/** Response header by which `relay sim` marks its replies (config `simulated: true` also works). */
export const SIM_HEADER = 'x-relay-sim';

export interface Outcome {
  ok: boolean;
  /** HTTP status, 0 when none arrived. */
  status: number;
  /** Set when !ok: see failureCode(). */
  code?: string;
  /** performance.now() at the send. */
  start: number;
  ttfb?: number;
  ttft?: number;
  e2e?: number;
  chunks?: number[];
  outputTokens?: number;
  /** True when the server sent no usage and the tokens were counted by the tokenizer. */
  tokensEstimated?: boolean;
  /** The reply carried the simulator's marker header. */
  simulated?: boolean;
}

export type Send = (req: ChatRequest, signal?: AbortSignal) => Promise<Outcome>;

let countTokens: ((text: string) => Promise<number>) | undefined;

async function estimate(text: string): Promise<number> {
  countTokens ??= (await import('../core/tokens.js')).countTokens;
  return countTokens(text);
}

export function clientSender(client: RelayClient, stream: boolean): Send {
  return async (req, signal) => {
    const out = await client.attempt(req, { stream, signal, recordChunks: stream });
    const t = out.timings;
    // An HTTP error's attempt ends after its body is read but leaves e2e unset: that moment is now.
    const e2e = t.e2e ?? performance.now() - t.start;
    const o: Outcome = {
      ok: out.ok, status: out.status, start: t.start, ttfb: t.ttfb, ttft: t.ttft, e2e, chunks: t.chunks,
      simulated: out.headers[SIM_HEADER] !== undefined,
    };
    if (!out.ok) {
      o.code = out.aborted ? 'aborted' : out.failure ? failureCode(out.failure) : 'unknown';
      return o;
    }
    const state = out.state!;
    const usage = normalizeUsage(state.usage);
    if (usage) o.outputTokens = usage.completionTokens;
    else {
      o.outputTokens = await estimate(state.content + state.reasoning);
      o.tokensEstimated = true;
    }
    return o;
  };
}
