import { usageError } from '../core/errors.js';
import type { RequestFlags } from '../cli/request-flags.js';
import { randomSeed } from '../bench/random.js';
import { parseShare, SHARE_HELP } from './share-flag.js';

// `relay bench` flags -> checked numbers. Every problem names the flag and what it accepts.

export interface BenchFlags extends RequestFlags {
  target?: string[];
  regions?: string;
  /** A route from the config: benchmarked as a whole beside each of its endpoints. */
  route?: string;
  requests?: string;
  duration?: string;
  concurrency?: string;
  rate?: string;
  arrival?: 'constant' | 'poisson';
  seed?: string;
  warmup?: string;
  prompt?: string;
  prompts?: string;
  inputTokens?: string;
  maxTokens?: string;
  stream?: boolean;
  json?: boolean;
  csv?: string;
  raw?: string;
  hdrLog?: string;
  html?: string;
  maxErrorRate?: string;
}

export interface BenchSettings {
  mode: 'closed' | 'open';
  perTarget?: number;
  durationMs?: number;
  concurrency: number;
  rate?: number;
  arrival: 'constant' | 'poisson';
  seed: number;
  /** Undefined: decided once the number of targets is known (warmupFor). */
  warmup?: number;
  stream: boolean;
  maxTokens?: number;
  inputTokens?: number;
  maxErrorRate?: number;
}

export const DEFAULTS = { requests: 100, concurrency: 4, openLoopCap: 1000, warmup: 2, maxTokens: 128 };

export function int(flag: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw usageError(`${flag} takes a whole number >= ${min}, got "${raw}"`);
  return n;
}

function positive(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`${flag} takes a number greater than 0, got "${raw}"`);
  return n;
}

/** "30s", "2m", "1h", "500ms", or plain seconds. */
export function parseDurationMs(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(raw);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m?.[2] ?? 's').toLowerCase() as 'ms'];
  const v = m ? Number(m[1]) * unit : NaN;
  if (!(v > 0)) throw usageError(`${flag} takes a duration like 30s, 2m or 500ms, got "${raw}"`);
  return v;
}

export function benchSettings(f: BenchFlags): BenchSettings {
  const perTarget = int('-n/--requests', f.requests, 1);
  const durationMs = parseDurationMs('--duration', f.duration);
  if (perTarget !== undefined && durationMs !== undefined) throw usageError('give -n N (requests per target) or --duration, not both');
  const rate = positive('--rate', f.rate);
  const concurrency = int('-c/--concurrency', f.concurrency, 1);
  const seed = int('--seed', f.seed, 0);
  const maxErrorRate = f.maxErrorRate === undefined ? undefined : parseShare(f.maxErrorRate);
  if (f.maxErrorRate !== undefined && maxErrorRate === undefined) {
    throw usageError(`--max-error-rate takes ${SHARE_HELP}, got "${f.maxErrorRate}"`);
  }
  if (f.arrival === 'poisson' && rate === undefined) throw usageError('--arrival applies to the open loop: add --rate R (requests per second)');
  return {
    mode: rate === undefined ? 'closed' : 'open',
    perTarget: durationMs === undefined ? perTarget ?? DEFAULTS.requests : undefined,
    durationMs,
    concurrency: concurrency ?? (rate === undefined ? DEFAULTS.concurrency : DEFAULTS.openLoopCap),
    rate,
    arrival: f.arrival ?? 'constant',
    seed: seed ?? randomSeed(),
    warmup: int('--warmup', f.warmup, 0),
    stream: f.stream !== false,
    maxTokens: int('--max-tokens', f.maxTokens, 1) ?? DEFAULTS.maxTokens,
    inputTokens: int('--input-tokens', f.inputTokens, 1),
    maxErrorRate,
  };
}

/**
 * Default warm-up per target: enough requests to open the connections the run will keep busy (a
 * connection opened during the run would put its handshake into TTFB). Closed loop: one per
 * worker, sent at the run's concurrency. Open loop: one second of the run's own rate, sent at that
 * rate, so the pool grows to what the server's latency needs (2 at least).
 */
export function warmupFor(s: BenchSettings, targets: number): number {
  if (s.warmup !== undefined) return s.warmup;
  const per = (n: number) => Math.max(DEFAULTS.warmup, Math.ceil(n / Math.max(1, targets)));
  return s.mode === 'closed' ? per(s.concurrency) : per(s.rate ?? 0);
}
