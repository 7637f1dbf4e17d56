import { performance } from 'node:perf_hooks';
import type { AttemptOutcome } from '../core/attempt.js';
import type { RelayClient } from '../core/client.js';
import { SIM_MARKER } from '../core/sim-marker.js';
import { isRelayError } from '../core/errors.js';
import type { Router } from '../core/router.js';
import type { ChatRequest } from '../core/types.js';
import { normalizeUsage } from '../core/usage.js';
import { failureCode } from './metrics.js';

// The one call the bench makes per request. A target is anything with a Send: today one endpoint
// (one attempt through RelayClient, never retried, because a retry would hide the error and
// stretch the latency); later a whole route (issue 6) behind the same signature.

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
  /** The server's id for the request (x-request-id or request-id; through a route, else the completion id): to find it in the server's logs. */
  requestId?: string;
}

export type Send = (req: ChatRequest, signal?: AbortSignal) => Promise<Outcome>;

let countTokens: ((text: string) => Promise<number>) | undefined;

async function estimate(text: string): Promise<number> {
  countTokens ??= (await import('../core/tokens.js')).countTokens;
  return countTokens(text);
}

/** One attempt's outcome as the bench counts it (the same for the driver and for RelayClient). */
export function outcomeOf(out: AttemptOutcome): Outcome | Promise<Outcome> {
  const t = out.timings;
  const o: Outcome = {
    ok: out.ok, status: out.status, start: t.start, ttfb: t.ttfb, ttft: t.ttft, e2e: t.e2e ?? performance.now() - t.start, chunks: t.chunks,
    simulated: out.headers[SIM_MARKER] !== undefined, requestId: out.headers['x-request-id'] ?? out.headers['request-id'],
  };
  if (!out.ok) {
    o.code = out.aborted ? 'aborted' : out.failure ? failureCode(out.failure) : 'unknown';
    return o;
  }
  const state = out.state!;
  const usage = normalizeUsage(state.usage);
  if (usage) {
    o.outputTokens = usage.completionTokens;
    return o;
  }
  o.tokensEstimated = true;
  return estimate(state.content + state.reasoning).then((n) => ({ ...o, outputTokens: n }));
}

export function clientSender(client: RelayClient, stream: boolean): Send {
  return (req, signal) => client.attempt(req, { stream, signal, recordChunks: stream }).then(outcomeOf);
}

/**
 * A whole route as one target: the router picks the endpoint and fails over as it would for any
 * command. Times count from the first attempt's send, so a failover's cost is in the figures.
 */
export function routerSender(router: Router, stream: boolean, retries: number): Send {
  return async (req, signal) => {
    const start = performance.now();
    try {
      const r = await router.chat(req, { stream, signal, recordChunks: stream, retries });
      const shift = r.timings.start - start;
      const at = (v: number | undefined) => (v === undefined ? undefined : v + shift);
      const usage = normalizeUsage(r.usage);
      return {
        ok: true, status: r.status, start, ttfb: at(r.timings.ttfb), ttft: at(r.timings.ttft), e2e: at(r.timings.e2e),
        chunks: r.timings.chunks?.map((c) => c + shift), outputTokens: usage?.completionTokens ?? r.normalizedUsage.completionTokens,
        tokensEstimated: !usage, simulated: r.simulated, requestId: r.requestId,
      };
    } catch (e) {
      const code = isRelayError(e) ? (e.code === 'interrupted' ? 'aborted' : e.status ? String(e.status) : e.code) : 'unknown';
      return { ok: false, status: isRelayError(e) ? e.status ?? 0 : 0, code, start, e2e: performance.now() - start };
    }
  };
}
