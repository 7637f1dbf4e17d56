import type { Failure } from '../core/retry.js';

// What each benchmark number means (DESIGN 6). The one-line definitions below are printed by
// `relay bench --help` and written into every report, so the words and the code cannot drift.

export const METRIC_NAMES = [
  'ttfb', 'ttft', 'itl', 'itlToken', 'tpot', 'e2e', 'tokensPerSec', 'responseTtft', 'responseTime', 'sendLag', 'failed',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export interface MetricInfo {
  label: string;
  unit: 'ms' | 'tok/s';
  definition: string;
}

export const METRICS: Record<MetricName, MetricInfo> = {
  ttfb: { label: 'TTFB', unit: 'ms', definition: 'request sent -> response headers received' },
  ttft: { label: 'TTFT', unit: 'ms', definition: 'request sent -> first chunk carrying content or reasoning (role-only chunks do not count)' },
  itl: { label: 'ITL', unit: 'ms', definition: 'gap between consecutive content chunks, one sample per gap (the wait for the first chunk is TTFT, not ITL)' },
  itlToken: { label: 'ITL/token', unit: 'ms', definition: 'each ITL gap divided by the reply\'s mean tokens per chunk (usage tokens / content chunks); only when the reply has usage or an estimate' },
  tpot: { label: 'TPOT', unit: 'ms', definition: '(E2E - TTFT) / (output tokens - 1), as vLLM defines it; replies of one token have none' },
  e2e: { label: 'E2E', unit: 'ms', definition: 'request sent -> last byte of the reply (service time)' },
  tokensPerSec: { label: 'Out tok/s', unit: 'tok/s', definition: 'output tokens / E2E of one request' },
  responseTtft: { label: 'TTFT (from schedule)', unit: 'ms', definition: 'open loop: intended send time -> first content chunk; includes any delay in sending' },
  responseTime: { label: 'Response time', unit: 'ms', definition: 'open loop: intended send time -> last byte; coordinated omission shows here' },
  sendLag: { label: 'Send lag', unit: 'ms', definition: 'open loop: actual send - intended send (timer lateness and waits for the concurrency cap)' },
  failed: { label: 'Time to failure', unit: 'ms', definition: 'request sent -> failure, for failed requests (which are counted as errors, not in the metrics above)' },
};

/** Metrics shown in tables and the --json `metrics` object, in this order. */
export const STREAM_METRICS: MetricName[] = ['ttfb', 'ttft', 'itl', 'itlToken', 'tpot', 'e2e', 'tokensPerSec'];
export const NO_STREAM_METRICS: MetricName[] = ['ttfb', 'e2e', 'tokensPerSec'];
export const OPEN_LOOP_METRICS: MetricName[] = ['responseTtft', 'responseTime', 'sendLag'];

export interface RequestTimes {
  ttfb?: number;
  ttft?: number;
  e2e?: number;
  /** Arrival of every content or reasoning chunk, ms after the send. */
  chunks?: number[];
}

export interface RequestMetrics {
  ttfb?: number;
  ttft?: number;
  e2e?: number;
  /** Gaps between content chunks (chunk i minus chunk i-1, i >= 1). */
  itl: number[];
  /** Divide each ITL gap by this to get per-token ITL (mean tokens per chunk); undefined without tokens. */
  tokensPerChunk?: number;
  tpot?: number;
  tokensPerSec?: number;
}

/** The numbers one successful request contributes. Pure: the definitions above, in code. */
export function requestMetrics(t: RequestTimes, outputTokens: number | undefined, stream: boolean): RequestMetrics {
  const out: RequestMetrics = { ttfb: t.ttfb, e2e: t.e2e, itl: [] };
  const chunks = t.chunks ?? [];
  if (stream) {
    out.ttft = chunks.length > 0 ? chunks[0] : t.ttft;
    for (let i = 1; i < chunks.length; i++) out.itl.push(chunks[i]! - chunks[i - 1]!);
    if (outputTokens !== undefined && outputTokens > 0 && chunks.length >= 2) out.tokensPerChunk = outputTokens / chunks.length;
    if (outputTokens !== undefined && outputTokens > 1 && out.ttft !== undefined && t.e2e !== undefined) {
      out.tpot = (t.e2e - out.ttft) / (outputTokens - 1);
    }
  }
  if (outputTokens !== undefined && outputTokens > 0 && t.e2e !== undefined && t.e2e > 0) out.tokensPerSec = outputTokens / (t.e2e / 1000);
  return out;
}

const RESET_CODES = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE', 'UND_ERR_CLOSED', 'ECONNABORTED']);

/** The code a failed request is counted under: an HTTP status, timeout, reset, truncated, stream_error or a connect code. */
export function failureCode(f: Failure): string {
  switch (f.kind) {
    case 'http': return String(f.status);
    case 'timeout': return 'timeout';
    case 'truncated': return 'truncated';
    case 'stream_error': return 'stream_error';
    case 'disconnect': return RESET_CODES.has(f.code) ? 'reset' : f.code === 'ABORTED' ? 'aborted' : f.code;
    case 'connect': return f.code;
  }
}

/** One line per metric, for --help and reports. */
export function definitionLines(names: readonly MetricName[] = METRIC_NAMES): string[] {
  return names.map((n) => `${METRICS[n].label}: ${METRICS[n].definition}`);
}
