import { runAttempt } from '../core/attempt.js';
import { wireBody } from '../core/client.js';
import { endpointUrl, requestHead, requestText } from '../core/http1-head.js';
import type { Pools } from '../core/http1-pool.js';
import type { ChatRequest } from '../core/types.js';
import { outcomeOf, type Send } from './send.js';

// The load driver's request: the core's one HTTP attempt (src/core/attempt.ts, judged exactly as
// relay chat judges a reply) on the bench's shared keep-alive pools, with the request text built
// once per distinct request instead of once per send. One attempt, never retried.

export interface RawEndpoint {
  baseUrl: string;
  apiKey?: string;
  headers: Record<string, string>;
  models?: Record<string, string>;
}

export interface RawOptions {
  stream: boolean;
  includeUsage: boolean;
  /** Whole-request deadline, idle gap inside a reply (0 = off), and connect deadline. */
  timeoutMs: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  userAgent: string;
  pools: Pools;
  signal?: AbortSignal;
}

export function rawSender(endpoint: RawEndpoint, o: RawOptions): Send {
  const url = endpointUrl(endpoint.baseUrl, '/chat/completions');
  const pool = o.pools.get(url);
  const head = requestHead('POST', url, {
    'content-type': 'application/json', accept: o.stream ? 'text/event-stream' : 'application/json', 'user-agent': o.userAgent,
    ...(endpoint.apiKey ? { authorization: `Bearer ${endpoint.apiKey}` } : {}),
    ...endpoint.headers,
  });
  // The workload is a handful of requests sent over and over: encode each once.
  const texts = new WeakMap<ChatRequest, string>();
  const encode = (req: ChatRequest): string => {
    let text = texts.get(req);
    if (text === undefined) {
      text = requestText(head, JSON.stringify(wireBody(req, o.stream, o.includeUsage, endpoint.models)));
      texts.set(req, text);
    }
    return text;
  };
  return (req, signal) => runAttempt({
    pool, request: encode(req), stream: o.stream, signal: signal ?? o.signal, recordChunks: o.stream,
    timeoutMs: o.timeoutMs, idleTimeoutMs: o.idleTimeoutMs, connectTimeoutMs: o.connectTimeoutMs,
  }).then(outcomeOf);
}
