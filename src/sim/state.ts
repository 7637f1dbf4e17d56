import type { Clock } from './clock.js';
import { FaultPicker } from './faults.js';
import { RateLimits } from './limits.js';
import type { ProfileSettings } from './profiles.js';
import { Rng, mix32, subSeed } from './random.js';
import { SimTiming, type LatenessSummary } from './timing.js';

// What the server keeps per profile and overall. Stats are plain counters read by /__sim/stats
// and by stats() in-process.

export interface ProfileStats {
  /** Every request that reached a chat, models or health route of this profile. */
  requests: number;
  /** Chat completion requests only. */
  chatRequests: number;
  inFlight: number;
  /** Responses by HTTP status sent ("200", "401", "429", ...). Resets and stalls send none. */
  byStatus: Record<string, number>;
  /** Injected faults by kind ("429", "500", "reset", "stall", "truncate", "error", ...). */
  faults: Record<string, number>;
  /** 429s sent by the rpm/tpm limiter (injected 429s are counted under faults). */
  rateLimited: number;
  /** Clients that went away before their reply was complete. */
  disconnects: number;
  promptTokens: number;
  /** Completion tokens actually written to clients (reasoning included). */
  tokensServed: number;
}

export interface SimStats {
  uptimeMs: number;
  /** Per profile with streamed replies: lateness of first token and last byte against the plan (ms). */
  timing: Record<string, { ttftLateMs: LatenessSummary; e2eLateMs: LatenessSummary }>;
  /** Keyed by profile name; the /v1 path is "default". */
  profiles: Record<string, ProfileStats>;
  total: ProfileStats;
}

export function emptyStats(): ProfileStats {
  return { requests: 0, chatRequests: 0, inFlight: 0, byStatus: {}, faults: {}, rateLimited: 0, disconnects: 0, promptTokens: 0, tokensServed: 0 };
}

export function addStats(into: ProfileStats, s: ProfileStats): void {
  into.requests += s.requests;
  into.chatRequests += s.chatRequests;
  into.inFlight += s.inFlight;
  into.rateLimited += s.rateLimited;
  into.disconnects += s.disconnects;
  into.promptTokens += s.promptTokens;
  into.tokensServed += s.tokensServed;
  for (const [k, v] of Object.entries(s.byStatus)) into.byStatus[k] = (into.byStatus[k] ?? 0) + v;
  for (const [k, v] of Object.entries(s.faults)) into.faults[k] = (into.faults[k] ?? 0) + v;
}

export class ProfileState {
  readonly name: string;
  readonly basePath: string;
  settings!: ProfileSettings;
  faults: FaultPicker;
  limits!: RateLimits;
  readonly jitter: Rng;
  stats: ProfileStats = emptyStats();
  /** How late streamed replies were written against their plan (timing.ts). */
  readonly timing = new SimTiming();
  /** performance.now() until which arriving requests wait (pause fault). */
  pausedUntil = 0;

  constructor(name: string, settings: ProfileSettings, seed: number) {
    this.name = name;
    this.basePath = name === 'default' ? '/v1' : `/${name}/v1`;
    this.faults = new FaultPicker(subSeed(seed, `faults:${name}`));
    this.jitter = new Rng(subSeed(seed, `jitter:${name}`));
    this.apply(settings, true);
  }

  /** Install new settings; limits restart only when they changed, the fault script restarts when given. */
  apply(next: ProfileSettings, first = false): void {
    const prev = this.settings;
    this.settings = next;
    this.faults.setShares(next.faults);
    if (first || prev.faultScript !== next.faultScript) this.faults.setScript(next.faultScript);
    if (first || prev.rpm !== next.rpm || prev.tpm !== next.tpm || prev.burstMs !== next.burstMs) {
      this.limits = new RateLimits({ rpm: next.rpm, tpm: next.tpm, burstMs: next.burstMs }, performance.now());
    }
  }

  /** Latency of this request with seeded jitter added (never below the base). */
  latency(): number {
    const s = this.settings;
    if (s.jitterMs <= 0) return s.latencyMs;
    const noise = s.jitterDist === 'normal' ? Math.abs(this.jitter.normal()) * s.jitterMs : this.jitter.next() * s.jitterMs;
    return s.latencyMs + noise;
  }

  count(status: number | string): void {
    const k = String(status);
    this.stats.byStatus[k] = (this.stats.byStatus[k] ?? 0) + 1;
  }

  fault(kind: string): void {
    this.stats.faults[kind] = (this.stats.faults[kind] ?? 0) + 1;
  }

  /** Settings as shown by the control API: never the key. */
  publicSettings(): Record<string, unknown> {
    const { apiKey, ...rest } = this.settings;
    return { ...rest, apiKey: apiKey ? '(set)' : undefined };
  }
}

export interface SimShared {
  seed: number;
  apiKey?: string;
  models: string[];
  /** When true, an unknown model gets 404 model_not_found. */
  strictModels: boolean;
  started: number;
  /** Global pause (all profiles), performance.now() based. */
  pausedUntil: number;
  counter: number;
  idSalt: number;
  log?: (line: string) => void;
  clock: Clock;
}

export function nextIds(shared: SimShared): { id: string; requestId: string } {
  const n = ++shared.counter;
  const tag = (mix32(shared.idSalt ^ n) >>> 0).toString(16).padStart(8, '0');
  const seq = n.toString(36);
  return { id: `chatcmpl-sim${tag}${seq}`, requestId: `req_sim${tag}${seq}` };
}
