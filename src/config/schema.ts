// The configuration file's shape and its validation. Validation reports every problem at once,
// as `path: message` lines (CONVENTIONS 9).

import { shownUrl } from '../core/http1-head.js';

export interface EndpointConfig {
  baseUrl: string;
  apiKeyEnv?: string;
  region?: string;
  via?: 'direct' | 'relay';
  headers?: Record<string, string>;
  /** Model names this endpoint spells differently, e.g. { "gpt-4.1": "openai/gpt-4.1" }. */
  models?: Record<string, string>;
  /** Marks an endpoint served by `relay sim`, so its numbers are labelled as simulated. */
  simulated?: boolean;
}

export interface RouteConfig {
  endpoints: string[];
  strategy?: 'priority' | 'latency' | 'round-robin' | 'cost';
  /** Circuit breaker: consecutive failures, error rate over a window, cooldown before a probe. */
  breaker?: { failures?: number; errorRate?: number; window?: number; minRequests?: number; cooldownMs?: number };
}

export interface PriceOverride {
  input?: number;
  cachedInput?: number;
  output?: number;
  cacheWrite?: number;
  batchDiscount?: number;
}

export interface RelayConfig {
  baseUrl?: string;
  apiKeyEnv?: string;
  defaultModel?: string;
  defaultEndpoint?: string;
  timeout?: number;
  connectTimeout?: number;
  idleTimeout?: number;
  retries?: number;
  /** Seconds: the longest retry-after relay honours (default 120). */
  maxRetryWait?: number;
  headers?: Record<string, string>;
  endpoints?: Record<string, EndpointConfig>;
  routes?: Record<string, RouteConfig>;
  prices?: Record<string, PriceOverride>;
}

const TOP_KEYS = ['baseUrl', 'apiKeyEnv', 'defaultModel', 'defaultEndpoint', 'timeout', 'connectTimeout', 'idleTimeout', 'retries',
  'maxRetryWait', 'headers', 'endpoints', 'routes', 'prices'];
const ENDPOINT_KEYS = ['baseUrl', 'apiKeyEnv', 'region', 'via', 'headers', 'models', 'simulated'];

/** A misspelt key would otherwise be ignored without a word; name it with the closest known one. */
function unknownKeys(obj: Record<string, unknown>, known: string[], path: string, problems: string[]): void {
  for (const k of Object.keys(obj)) {
    if (known.includes(k) || k.startsWith('$') || k.startsWith('_')) continue;
    const near = known.find((n) => n.toLowerCase() === k.toLowerCase() || n.toLowerCase().startsWith(k.toLowerCase().slice(0, 4)));
    problems.push(`${path}${k}: unknown setting${near ? ` (did you mean ${near}?)` : ''}`);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const STRATEGIES = ['priority', 'latency', 'round-robin', 'cost'];

function checkUrl(v: unknown, path: string, problems: string[]): void {
  if (typeof v !== 'string') { problems.push(`${path}: must be a URL string`); return; }
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') problems.push(`${path}: must start with http:// or https://`);
  } catch {
    problems.push(`${path}: "${shownUrl(v)}" is not a valid URL`);
  }
}

function checkStringMap(v: unknown, path: string, problems: string[]): void {
  if (!isObj(v)) { problems.push(`${path}: must be a map of strings`); return; }
  for (const [k, val] of Object.entries(v)) if (typeof val !== 'string') problems.push(`${path}.${k}: must be a string`);
}

function checkPositive(v: unknown, path: string, problems: string[], integer = false): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    problems.push(`${path}: must be a ${integer ? 'whole ' : ''}number >= 0`);
  }
}

function checkEndpoint(name: string, e: unknown, problems: string[]): void {
  const p = `endpoints.${name}`;
  if (!isObj(e)) { problems.push(`${p}: must be an object with baseUrl`); return; }
  if (e.baseUrl === undefined) problems.push(`${p}.baseUrl: is required`);
  else checkUrl(e.baseUrl, `${p}.baseUrl`, problems);
  if (e.apiKeyEnv !== undefined && (typeof e.apiKeyEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.apiKeyEnv))) {
    problems.push(`${p}.apiKeyEnv: must name an environment variable (the key itself never goes in the file)`);
  }
  if (e.via !== undefined && e.via !== 'direct' && e.via !== 'relay') problems.push(`${p}.via: must be "direct" or "relay"`);
  if (e.region !== undefined && typeof e.region !== 'string') problems.push(`${p}.region: must be a string`);
  if (e.headers !== undefined) checkStringMap(e.headers, `${p}.headers`, problems);
  if (e.models !== undefined) checkStringMap(e.models, `${p}.models`, problems);
  for (const k of Object.keys(e)) {
    if (k === 'apiKey' || k === 'key') problems.push(`${p}.${k}: keys are not read from files; put the key in an environment variable and name it in apiKeyEnv`);
  }
  unknownKeys(Object.fromEntries(Object.entries(e).filter(([k]) => k !== 'apiKey' && k !== 'key')), ENDPOINT_KEYS, `${p}.`, problems);
}

export function validateConfig(raw: unknown): string[] {
  const problems: string[] = [];
  if (!isObj(raw)) return ['(top level): must be an object'];
  unknownKeys(raw, TOP_KEYS, '', problems);
  if (raw.baseUrl !== undefined) checkUrl(raw.baseUrl, 'baseUrl', problems);
  for (const k of ['defaultModel', 'defaultEndpoint', 'apiKeyEnv'] as const) {
    if (raw[k] !== undefined && typeof raw[k] !== 'string') problems.push(`${k}: must be a string`);
  }
  checkPositive(raw.timeout, 'timeout', problems);
  checkPositive(raw.connectTimeout, 'connectTimeout', problems);
  checkPositive(raw.idleTimeout, 'idleTimeout', problems);
  checkPositive(raw.retries, 'retries', problems, true);
  checkPositive(raw.maxRetryWait, 'maxRetryWait', problems);
  if (raw.headers !== undefined) checkStringMap(raw.headers, 'headers', problems);
  if (raw.endpoints !== undefined) {
    if (!isObj(raw.endpoints)) problems.push('endpoints: must be a map of name -> { baseUrl, ... }');
    else for (const [name, e] of Object.entries(raw.endpoints)) checkEndpoint(name, e, problems);
  }
  const endpointNames = isObj(raw.endpoints) ? Object.keys(raw.endpoints) : [];
  if (raw.routes !== undefined) {
    if (!isObj(raw.routes)) problems.push('routes: must be a map of name -> { endpoints: [...] }');
    else for (const [name, r] of Object.entries(raw.routes)) {
      if (!isObj(r) || !Array.isArray(r.endpoints) || r.endpoints.length === 0) {
        problems.push(`routes.${name}.endpoints: must be a non-empty list of endpoint names`);
        continue;
      }
      for (const e of r.endpoints) {
        if (typeof e !== 'string' || !endpointNames.includes(e)) problems.push(`routes.${name}.endpoints: "${String(e)}" is not a configured endpoint`);
      }
      unknownKeys(r, ['endpoints', 'strategy', 'breaker'], `routes.${name}.`, problems);
      if (r.breaker !== undefined) {
        if (!isObj(r.breaker)) problems.push(`routes.${name}.breaker: must be an object`);
        else for (const [k, v] of Object.entries(r.breaker)) {
          if (!['failures', 'errorRate', 'window', 'minRequests', 'cooldownMs'].includes(k)) problems.push(`routes.${name}.breaker.${k}: unknown field`);
          else checkPositive(v, `routes.${name}.breaker.${k}`, problems);
        }
      }
      if (r.strategy !== undefined && !STRATEGIES.includes(String(r.strategy))) {
        problems.push(`routes.${name}.strategy: must be one of ${STRATEGIES.join(', ')}`);
      }
    }
  }
  if (raw.defaultEndpoint !== undefined && typeof raw.defaultEndpoint === 'string' && !endpointNames.includes(raw.defaultEndpoint)) {
    problems.push(`defaultEndpoint: "${raw.defaultEndpoint}" is not a configured endpoint`);
  }
  if (raw.prices !== undefined) {
    if (!isObj(raw.prices)) problems.push('prices: must be a map of model -> { input, cachedInput, output }');
    else for (const [model, pr] of Object.entries(raw.prices)) {
      if (!isObj(pr)) { problems.push(`prices.${model}: must be an object`); continue; }
      for (const [k, v] of Object.entries(pr)) {
        if (!['input', 'cachedInput', 'output', 'cacheWrite', 'batchDiscount'].includes(k)) problems.push(`prices.${model}.${k}: unknown field`);
        else checkPositive(v, `prices.${model}.${k}`, problems);
      }
    }
  }
  return problems;
}
