import { usageError } from '../core/errors.js';
import { isCredentialHeader, registerSecret } from '../core/redact.js';
import type { RequestFlags } from '../cli/request-flags.js';
import type { LoadedConfig } from './load.js';
import type { EndpointConfig, RelayConfig, RouteConfig } from './schema.js';
import type { BreakerSettings } from '../core/breaker.js';
import { shownUrl } from '../core/http1-head.js';

// Precedence: flags > environment > config file > built-in defaults (DESIGN 3).
// Every value remembers where it came from, for `relay config` and for error messages.

export interface Sourced<T> { value: T; source: string }

export interface ResolvedEndpoint {
  name: string;
  baseUrl: string;
  apiKey?: string;
  /** The variable the key was read from (or would have been): error messages name it. */
  apiKeyEnv: string;
  headers: Record<string, string>;
  region?: string;
  via?: 'direct' | 'relay';
  models?: Record<string, string>;
  simulated?: boolean;
  source: string;
}

export interface ResolvedSettings {
  endpoints: ResolvedEndpoint[];
  model: Sourced<string | undefined>;
  timeoutMs: Sourced<number>;
  connectTimeoutMs: Sourced<number>;
  idleTimeoutMs: Sourced<number>;
  retries: Sourced<number>;
  /** Longest server-requested wait before a retry (R18). */
  maxRetryWaitMs: Sourced<number>;
  strategy: Sourced<string>;
  includeUsage: boolean;
  /** Circuit-breaker settings of the selected route, if the config gives any. */
  breaker?: Partial<BreakerSettings>;
  configFile?: string;
  warnings: string[];
}

export const DEFAULTS = { timeoutS: 600, connectTimeoutS: 10, idleTimeoutS: 0, retries: 2, maxRetryWaitS: 120 };

function seconds(flag: string, raw: string | undefined, zeroMeansOff = false): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (n === 0 && !zeroMeansOff)) {
    throw usageError(`${flag} takes a number of seconds greater than 0${zeroMeansOff ? ' (0 = off)' : ''}, got "${raw}"`);
  }
  return n;
}

function secretHeaders(h: Record<string, string>): Record<string, string> {
  for (const [k, v] of Object.entries(h)) if (isCredentialHeader(k)) registerSecret(v);
  return h;
}

export function parseHeader(raw: string): [string, string] {
  const i = raw.indexOf(':');
  const name = i > 0 ? raw.slice(0, i).trim() : '';
  if (!name || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw usageError(`--header takes 'Name: value', got "${raw.slice(0, 40)}"`);
  }
  const value = raw.slice(i + 1).trim();
  if (isCredentialHeader(name)) registerSecret(value);
  return [name, value];
}

/** The first candidate that is set, with where it came from; the last candidate is the default. */
function pick<T>(...candidates: Array<[T | undefined, string]>): Sourced<T> {
  for (const [value, source] of candidates) if (value !== undefined) return { value, source };
  const [value, source] = candidates[candidates.length - 1];
  return { value: value as T, source };
}

function keyFor(env: NodeJS.ProcessEnv, flagVar: string | undefined, endpointVar: string | undefined, configVar: string | undefined): { apiKey?: string; apiKeyEnv: string } {
  const named = flagVar ?? endpointVar ?? configVar;
  if (named) return { apiKey: env[named] || undefined, apiKeyEnv: named };
  if (env.RELAY_API_KEY) return { apiKey: env.RELAY_API_KEY, apiKeyEnv: 'RELAY_API_KEY' };
  if (env.OPENAI_API_KEY) return { apiKey: env.OPENAI_API_KEY, apiKeyEnv: 'OPENAI_API_KEY' };
  return { apiKeyEnv: 'RELAY_API_KEY' };
}

function endpointFrom(name: string, e: EndpointConfig, cfg: RelayConfig, flags: RequestFlags, env: NodeJS.ProcessEnv, source: string): ResolvedEndpoint {
  const key = keyFor(env, flags.apiKeyEnv, e.apiKeyEnv, cfg.apiKeyEnv);
  registerSecret(key.apiKey);
  // A key written into the URL (https://user:KEY@host) is a secret like any other.
  try {
    const u = new URL(e.baseUrl);
    registerSecret(decodeURIComponent(u.password));
    registerSecret(u.password);
  } catch { /* validated elsewhere */ }
  return {
    name, baseUrl: e.baseUrl.replace(/\/+$/, ''), ...key,
    headers: secretHeaders({ ...(cfg.headers ?? {}), ...(e.headers ?? {}) }),
    region: e.region, via: e.via, models: e.models, simulated: e.simulated, source,
  };
}

function selectEndpoints(flags: RequestFlags, loaded: LoadedConfig, env: NodeJS.ProcessEnv): { endpoints: ResolvedEndpoint[]; route?: RouteConfig } {
  const cfg = loaded.config;
  const file = loaded.file ?? 'config';
  const configured = cfg.endpoints ?? {};
  const list = (names: string[], source: string) => names.map((n) => {
    const e = configured[n];
    if (!e) {
      const known = Object.keys(configured);
      throw usageError(`unknown endpoint "${n}"; ${known.length ? `configured: ${known.join(', ')}` : 'no endpoints are configured (see relay config)'}`);
    }
    return endpointFrom(n, e, cfg, flags, env, source);
  });
  const named = (names: string[], source: string, route?: RouteConfig) => ({ endpoints: list(names, source), route });
  if (flags.endpoint) {
    const names = flags.endpoint.split(',').map((s) => s.trim()).filter(Boolean);
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length) throw usageError(`--endpoint lists ${[...new Set(twice)].join(', ')} more than once; name each endpoint of a route once`);
    // A route name expands to its endpoints.
    const route = names.length === 1 && !configured[names[0]] ? cfg.routes?.[names[0]] : undefined;
    if (route) return named(route.endpoints, `route ${names[0]} (${file})`, route);
    return named(names, `--endpoint`);
  }
  const adHoc = (url: string, source: string) => {
    let u: URL;
    // A URL that does not parse is echoed without its user:password part.
    try { u = new URL(url); } catch { throw usageError(`base URL "${shownUrl(url)}" (${source}) is not a valid URL; it looks like http://127.0.0.1:8080/v1`); }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usageError(`base URL "${u.protocol}//…" (${source}) must start with http:// or https://`);
    return { endpoints: [endpointFrom('default', { baseUrl: url }, cfg, flags, env, source)] };
  };
  if (flags.baseUrl) return adHoc(flags.baseUrl, '--base-url');
  if (env.RELAY_BASE_URL) return adHoc(env.RELAY_BASE_URL, 'env RELAY_BASE_URL');
  if (env.OPENAI_BASE_URL) return adHoc(env.OPENAI_BASE_URL, 'env OPENAI_BASE_URL');
  if (cfg.baseUrl) return adHoc(cfg.baseUrl, file);
  if (cfg.routes?.default) return named(cfg.routes.default.endpoints, `route default (${file})`, cfg.routes.default);
  if (cfg.defaultEndpoint) return named([cfg.defaultEndpoint], `defaultEndpoint (${file})`);
  const names = Object.keys(configured);
  if (names.length === 1) return named(names, file);
  throw usageError(names.length
    ? `several endpoints are configured (${names.join(', ')}); choose with --endpoint NAME`
    : 'no endpoint: pass --base-url URL or set RELAY_BASE_URL (for an offline one, run `relay sim`)');
}

export function resolveSettings(flags: RequestFlags, loaded: LoadedConfig, env: NodeJS.ProcessEnv): ResolvedSettings {
  const cfg = loaded.config;
  const file = loaded.file ?? 'config';
  const { endpoints, route } = selectEndpoints(flags, loaded, env);
  const extra = (flags.header ?? []).map(parseHeader);
  for (const e of endpoints) for (const [k, v] of extra) e.headers[k] = v;
  const warnings: string[] = [];
  for (const e of endpoints) {
    if (flags.apiKeyEnv && !env[flags.apiKeyEnv]) warnings.push(`${flags.apiKeyEnv} is not set; sending requests to ${e.name} without a key`);
  }
  const retriesFlag = flags.retries === undefined ? undefined : Number(flags.retries);
  if (retriesFlag !== undefined && (!Number.isInteger(retriesFlag) || retriesFlag < 0)) throw usageError(`--retries takes a whole number >= 0, got "${flags.retries}"`);
  const ms = (s: Sourced<number>): Sourced<number> => ({ value: s.value * 1000, source: s.source });
  return {
    endpoints,
    model: pick<string | undefined>([flags.model, '--model'], [env.RELAY_MODEL, 'env RELAY_MODEL'], [cfg.defaultModel, file], [undefined, 'nowhere']),
    timeoutMs: ms(pick([seconds('--timeout', flags.timeout), '--timeout'], [cfg.timeout, file], [DEFAULTS.timeoutS, 'default'])),
    connectTimeoutMs: ms(pick([seconds('--connect-timeout', flags.connectTimeout), '--connect-timeout'], [cfg.connectTimeout, file], [DEFAULTS.connectTimeoutS, 'default'])),
    idleTimeoutMs: ms(pick([seconds('--idle-timeout', flags.idleTimeout, true), '--idle-timeout'], [cfg.idleTimeout, file], [DEFAULTS.idleTimeoutS, 'default'])),
    retries: pick([retriesFlag, '--retries'], [cfg.retries, file], [DEFAULTS.retries, 'default']),
    maxRetryWaitMs: ms(pick([seconds('--max-retry-wait', flags.maxRetryWait, true), '--max-retry-wait'], [cfg.maxRetryWait, file], [DEFAULTS.maxRetryWaitS, 'default'])),
    strategy: pick([flags.strategy, '--strategy'], [route?.strategy, file], ['priority', 'default']),
    breaker: route?.breaker,
    includeUsage: flags.streamOptions !== false,
    configFile: loaded.file,
    warnings,
  };
}
