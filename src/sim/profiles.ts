import { readFileSync } from 'node:fs';
import { usageError } from '../core/errors.js';
import { parseDuration } from './duration.js';
import { BEHAVIOURS, parseFaultKind, parseFaults, parseFaultScript, validateShares, type FaultShare, type ScriptStep } from './faults.js';

// A profile is one simulated upstream: timing, reply shape, limits and faults, served under
// /NAME/v1. The default path /v1 is the profile called "default", built from the plain flags.
// A named profile starts from the default's timing and reply settings (INHERITED) and overrides
// what it names; faults, fault scripts, rate limits and labels belong to one path and are never
// inherited (a flaky default path does not make every region flaky).

export interface ProfileSettings {
  latencyMs: number;
  ttftMs: number;
  /** Tokens per second after the first; 0 = as fast as possible. */
  tps: number;
  jitterMs: number;
  jitterDist: 'uniform' | 'normal';
  chunkTokens: number;
  /** SSE comment after this much silence in a stream (0 = never). */
  keepaliveMs: number;
  replyTokens: number | [number, number] | 'max';
  reasoningTokens: number;
  unicode: boolean;
  /** Seconds sent in retry-after with injected 429s. */
  retryAfterS: number;
  rpm: number;
  tpm: number;
  burstMs: number;
  faults: FaultShare[];
  faultScript: ScriptStep[];
  label?: string;
  region?: string;
  via?: string;
  apiKey?: string;
}

export const DEFAULT_SETTINGS: ProfileSettings = {
  latencyMs: 0, ttftMs: 0, tps: 0, jitterMs: 0, jitterDist: 'uniform', chunkTokens: 1, keepaliveMs: 0, replyTokens: 64,
  reasoningTokens: 0, unicode: false, retryAfterS: 1, rpm: 0, tpm: 0, burstMs: 60_000, faults: [], faultScript: [],
};

export const INHERITED = [
  'latencyMs', 'ttftMs', 'tps', 'jitterMs', 'jitterDist', 'chunkTokens', 'keepaliveMs', 'replyTokens', 'reasoningTokens',
  'unicode', 'retryAfterS', 'burstMs', 'apiKey',
] as const satisfies readonly (keyof ProfileSettings)[];

export const RESERVED_NAMES = new Set(['v1', '__sim', 'health', 'default']);

export function checkProfileName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name) || RESERVED_NAMES.has(name)) {
    throw usageError(`invalid profile name '${name}': use letters, digits, '.', '_' or '-' (not v1, health, __sim or default)`);
  }
  return name;
}

function num(value: unknown, key: string, min = 0, integer = false): number {
  const v = typeof value === 'number' ? value : Number(String(value).trim());
  if (typeof value === 'boolean' || String(value).trim() === '' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw usageError(`invalid ${key} '${String(value)}': expected ${integer ? 'an integer' : 'a number'} >= ${min}`);
  }
  return v;
}

function ms(value: unknown, key: string): number {
  const v = typeof value === 'number' ? value : parseDuration(String(value), key);
  if (!Number.isFinite(v) || v < 0) throw usageError(`invalid ${key} '${String(value)}': expected a duration >= 0`);
  return v;
}

function bool(value: unknown, key: string): boolean {
  if (value === true || value === false) return value;
  const s = String(value).trim().toLowerCase();
  if (['', 'true', 'yes', 'on', '1'].includes(s)) return true;
  if (['false', 'no', 'off', '0'].includes(s)) return false;
  throw usageError(`invalid ${key} '${String(value)}': expected true or false`);
}

/** `64`, `10-200` (drawn per request from the seed) or `max` (always fill max_tokens). */
export function parseReplyTokens(value: unknown): ProfileSettings['replyTokens'] {
  if (Array.isArray(value) && value.length === 2) value = `${value[0]}-${value[1]}`;
  const s = String(value).trim().toLowerCase();
  if (s === 'max') return 'max';
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(s);
  if (range) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    if (lo > hi) throw usageError(`invalid reply-tokens '${s}': the range must go from low to high`);
    return [lo, hi];
  }
  return num(s, 'reply-tokens', 0, true);
}

function faultsFrom(value: unknown): FaultShare[] {
  if (Array.isArray(value)) {
    return validateShares(value.map((f: { kind?: unknown; share?: unknown }) => ({ kind: parseFaultKind(String(f?.kind)), share: num(f?.share, `fault ${String(f?.kind)}`) })));
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return validateShares(Object.entries(value).map(([k, v]) => ({ kind: parseFaultKind(k), share: num(v, `fault ${k}`) })));
  }
  return parseFaults(String(value ?? ''));
}

function scriptFrom(value: unknown): ScriptStep[] {
  return parseFaultScript(Array.isArray(value) ? value.join(',') : String(value ?? ''));
}

/** Set one field from a spec item or a JSON key; fault kinds may be keys themselves (`500: 0.1`). */
export function applyField(patch: Partial<ProfileSettings>, rawKey: string, value: unknown): void {
  const key = rawKey.trim().toLowerCase().replace(/[-_]/g, '');
  switch (key) {
    case 'latency': case 'latencyms': patch.latencyMs = ms(value, 'latency'); return;
    case 'ttft': case 'ttftms': patch.ttftMs = ms(value, 'ttft'); return;
    case 'tps': patch.tps = num(value, 'tps'); return;
    case 'jitter': case 'jitterms': patch.jitterMs = ms(value, 'jitter'); return;
    case 'jitterdist': {
      const d = String(value).trim().toLowerCase();
      if (d !== 'uniform' && d !== 'normal') throw usageError(`invalid jitter-dist '${d}': use uniform or normal`);
      patch.jitterDist = d;
      return;
    }
    case 'chunktokens': patch.chunkTokens = num(value, 'chunk-tokens', 1, true); return;
    case 'keepalive': case 'keepalivems': patch.keepaliveMs = ms(value, 'keepalive'); return;
    case 'replytokens': patch.replyTokens = parseReplyTokens(value); return;
    case 'reasoning': case 'reasoningtokens':
      patch.reasoningTokens = value === true ? 16 : value === false ? 0 : num(value, 'reasoning', 0, true);
      return;
    case 'unicode': patch.unicode = bool(value, 'unicode'); return;
    case 'retryafter': case 'retryafters': patch.retryAfterS = num(value, 'retry-after'); return;
    case 'rpm': patch.rpm = num(value, 'rpm'); return;
    case 'tpm': patch.tpm = num(value, 'tpm'); return;
    case 'burst': case 'burstms': patch.burstMs = ms(value, 'burst'); return;
    case 'faults': patch.faults = faultsFrom(value); return;
    case 'script': case 'faultscript': patch.faultScript = scriptFrom(value); return;
    case 'label': case 'region': case 'via': patch[key] = String(value); return;
    case 'apikey': patch.apiKey = String(value); return;
    case 'name': return;
  }
  if ((BEHAVIOURS as readonly string[]).includes(key) || /^[45]\d\d$/.test(key)) {
    const kind = parseFaultKind(key);
    const share = num(value, `fault ${key}`);
    const rest = (patch.faults ?? []).filter((f) => f.kind !== kind);
    patch.faults = validateShares([...rest, { kind, share }]);
    return;
  }
  throw usageError(`unknown profile setting '${rawKey}': use latency, ttft, tps, jitter, jitter-dist, chunk-tokens, keepalive, `
    + `reply-tokens, reasoning, unicode, retry-after, rpm, tpm, burst, faults, script, label, region, via, api-key `
    + `or a fault kind (429, 500, reset, stall, truncate, error, quota)`);
}

/** Settings from a JSON object (profiles file, control API). */
export function patchFromObject(obj: unknown, where: string): Partial<ProfileSettings> {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw usageError(`${where}: expected an object of settings`);
  const patch: Partial<ProfileSettings> = {};
  for (const [k, v] of Object.entries(obj)) {
    try {
      applyField(patch, k, v);
    } catch (e) {
      throw usageError(`${where}: ${(e as Error).message}`);
    }
  }
  return patch;
}

/** `sg-direct=latency:215ms,ttft:300ms,tps:50,500:0.05,script:429/ok,label:sg direct` */
export function parseProfileSpec(spec: string): { name: string; patch: Partial<ProfileSettings> } {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw usageError(`invalid --profile '${spec}': write NAME=key:value,..., e.g. sg-direct=latency:215ms,ttft:300ms`);
  const name = checkProfileName(spec.slice(0, eq).trim());
  const patch: Partial<ProfileSettings> = {};
  const body = spec.slice(eq + 1).trim();
  for (const item of body === '' ? [] : body.split(',')) {
    const m = /^\s*([^:=]+?)\s*(?:[:=]\s*(.*?))?\s*$/.exec(item);
    if (!m || m[1] === undefined) throw usageError(`invalid --profile item '${item}' in '${name}': write key:value`);
    try {
      applyField(patch, m[1], m[2] ?? true);
    } catch (e) {
      throw usageError(`profile ${name}: ${(e as Error).message}`);
    }
  }
  return { name, patch };
}

/** A profiles file: `{"profiles": {NAME: {...}}}`, `{NAME: {...}}` or `[{"name": NAME, ...}]`. */
export function loadProfilesFile(path: string): Array<{ name: string; patch: Partial<ProfileSettings> }> {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw usageError(`cannot read profiles file ${path}: ${(e as Error).message}; it must be JSON`);
  }
  const root = doc && typeof doc === 'object' && !Array.isArray(doc) && 'profiles' in doc ? (doc as { profiles: unknown }).profiles : doc;
  const entries: Array<[string, unknown]> = Array.isArray(root)
    ? root.map((p, i): [string, unknown] => {
      const n = String((p as { name?: unknown } | null)?.name ?? '');
      if (!n) throw usageError(`${path}: profile #${i + 1} has no "name"`);
      return [n, p];
    })
    : root && typeof root === 'object' ? Object.entries(root) : [];
  if (entries.length === 0) throw usageError(`${path}: no profiles found; write {"profiles": {"NAME": {"latency": "40ms"}}}`);
  return entries.map(([name, p]) => ({ name: checkProfileName(name), patch: patchFromObject(p, `${path}: profile ${name}`) }));
}

/** A named profile's settings: the default's inherited fields, then its own. */
export function resolveProfile(defaults: ProfileSettings, patch: Partial<ProfileSettings>): ProfileSettings {
  const base: ProfileSettings = { ...DEFAULT_SETTINGS, faults: [], faultScript: [] };
  for (const k of INHERITED) (base as unknown as Record<string, unknown>)[k] = defaults[k];
  return { ...base, ...patch };
}
