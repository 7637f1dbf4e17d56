import { usageError } from '../core/errors.js';
import { parseDuration } from './duration.js';
import { applyField, checkProfileName, loadProfilesFile, parseProfileSpec, type ProfileSettings } from './profiles.js';
import type { SimOptions } from './server.js';

// `relay sim` flags (strings, as commander hands them over) -> SimOptions, with every mistake
// reported as a usage error naming the flag.

export interface SimFlags {
  host?: string;
  port?: string;
  latency?: string;
  ttft?: string;
  tps?: string;
  jitter?: string;
  jitterDist?: string;
  chunkTokens?: string;
  keepalive?: string;
  replyTokens?: string;
  reasoning?: string | boolean;
  unicode?: boolean;
  seed?: string;
  models?: string;
  apiKey?: string;
  rpm?: string;
  tpm?: string;
  burst?: string;
  faults?: string;
  faultScript?: string;
  retryAfter?: string;
  profile?: string[];
  profiles?: string;
  pauseAt?: string[];
  log?: boolean;
  control?: boolean;
  precise?: boolean;
}

const FIELD_FLAGS: Array<[keyof SimFlags, string]> = [
  ['latency', 'latency'], ['ttft', 'ttft'], ['tps', 'tps'], ['jitter', 'jitter'], ['jitterDist', 'jitter-dist'],
  ['chunkTokens', 'chunk-tokens'], ['keepalive', 'keepalive'], ['replyTokens', 'reply-tokens'], ['reasoning', 'reasoning'], ['unicode', 'unicode'],
  ['rpm', 'rpm'], ['tpm', 'tpm'], ['burst', 'burst'], ['faults', 'faults'], ['faultScript', 'fault-script'],
  ['retryAfter', 'retry-after'],
];

function integer(text: string, flag: string, min: number, max: number): number {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || v < min || v > max) throw usageError(`invalid --${flag} '${text}': expected an integer from ${min} to ${max}`);
  return v;
}

/** `10s:2s` -> a pause of 2 s starting 10 s after start. */
export function parsePauseAt(text: string): { atMs: number; durationMs: number } {
  const m = /^\s*([^:]+):([^:]+)\s*$/.exec(text);
  if (!m) throw usageError(`invalid --pause-at '${text}': write AT:DURATION, e.g. 10s:2s`);
  return { atMs: parseDuration(m[1]!, '--pause-at start'), durationMs: parseDuration(m[2]!, '--pause-at duration') };
}

export function simOptionsFromFlags(flags: SimFlags, env: NodeJS.ProcessEnv = {}): SimOptions {
  const defaults: Partial<ProfileSettings> = {};
  for (const [key, flag] of FIELD_FLAGS) {
    const value = flags[key];
    if (value === undefined) continue;
    try {
      applyField(defaults, flag, value);
    } catch (e) {
      throw usageError(`--${flag}: ${(e as Error).message}`);
    }
  }
  const apiKey = flags.apiKey ?? (env.RELAY_SIM_API_KEY || undefined);
  if (apiKey !== undefined) {
    if (apiKey === '' || /\s/.test(apiKey)) throw usageError('--api-key must be non-empty and contain no spaces');
    defaults.apiKey = apiKey;
  }
  const profiles: Record<string, Partial<ProfileSettings>> = {};
  if (flags.profiles) for (const p of loadProfilesFile(flags.profiles)) profiles[p.name] = p.patch;
  for (const spec of flags.profile ?? []) {
    const { name, patch } = parseProfileSpec(spec);
    profiles[name] = { ...profiles[name], ...patch };
  }
  const models = flags.models?.split(',').map((m) => m.trim()).filter(Boolean);
  if (flags.models !== undefined && models!.length === 0) throw usageError('--models needs at least one model name');
  for (const name of Object.keys(profiles)) checkProfileName(name);
  return {
    ...defaults,
    host: flags.host ?? '127.0.0.1',
    port: flags.port === undefined ? 8080 : integer(flags.port, 'port', 0, 65535),
    seed: flags.seed === undefined ? 1 : integer(flags.seed, 'seed', 0, 2 ** 32 - 1),
    models,
    profiles,
    pauses: (flags.pauseAt ?? []).map(parsePauseAt),
    control: flags.control !== false,
    precise: flags.precise === true,
  };
}

function ms(v: number): string {
  return v >= 1000 && v % 100 === 0 ? `${v / 1000}s` : `${+v.toFixed(3)}ms`;
}

/** One line describing a profile's behaviour, for the startup listing (never the key). */
export function describeSettings(s: Partial<ProfileSettings>): string {
  const parts = [`latency ${ms(s.latencyMs ?? 0)}`, `ttft ${ms(s.ttftMs ?? 0)}`, `tps ${s.tps ? s.tps : 'unlimited'}`];
  if (s.jitterMs) parts.push(`jitter ${ms(s.jitterMs)} ${s.jitterDist ?? 'uniform'}`);
  if (s.replyTokens !== undefined && s.replyTokens !== 64) parts.push(`reply ${Array.isArray(s.replyTokens) ? s.replyTokens.join('-') : s.replyTokens} tokens`);
  if (s.chunkTokens && s.chunkTokens > 1) parts.push(`${s.chunkTokens} tokens/chunk`);
  if (s.keepaliveMs) parts.push(`keep-alive every ${ms(s.keepaliveMs)}`);
  if (s.reasoningTokens) parts.push(`reasoning ${s.reasoningTokens}`);
  if (s.rpm) parts.push(`rpm ${s.rpm}`);
  if (s.tpm) parts.push(`tpm ${s.tpm}`);
  if (s.faults?.length) parts.push(`faults ${s.faults.map((f) => `${f.kind}=${f.share}`).join(',')}`);
  if (s.faultScript?.length) parts.push(`script ${s.faultScript.length} steps`);
  const label = [s.label, s.region, s.via].filter(Boolean).join(' ');
  if (label) parts.push(`[${label}]`);
  if (s.apiKey) parts.push('key required');
  return parts.join(', ');
}
