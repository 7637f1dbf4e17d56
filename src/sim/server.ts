import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXIT, RelayError } from '../core/errors.js';
import { PreciseClock, coarseClock } from './clock.js';
import { handleControl } from './control.js';
import { handleChat } from './handler.js';
import { DEFAULT_SETTINGS, checkProfileName, parseProfileSpec, patchFromObject, resolveProfile, type ProfileSettings } from './profiles.js';
import { mix32 } from './random.js';
import { ProfileState, addStats, emptyStats, type SimShared, type SimStats } from './state.js';
import type { TimedRequest } from './timing.js';
import { ERR, SIM_MARKER, modelBody, modelsBody } from './wire.js';

export type { ProfileSettings } from './profiles.js';
export type { ProfileStats, SimStats } from './state.js';

/** Settings of a profile as JSON-ish input: typed values, or strings like "215ms" / "429=0.1". */
export type ProfilePatch = Partial<ProfileSettings> | Record<string, unknown>;

export interface SimOptions extends Partial<ProfileSettings> {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Seeds replies, jitter and fault choice. Default 1. */
  seed?: number;
  /** Models listed by GET /v1/models. When given, other models get 404 model_not_found. */
  models?: string[];
  /** Named profiles served under /NAME/v1: settings, or a spec body like "latency:215ms,ttft:300ms". */
  profiles?: Record<string, ProfilePatch | string>;
  /** Pauses: from `atMs` after start, arriving requests wait until `atMs + durationMs`. */
  pauses?: Array<{ atMs: number; durationMs: number }>;
  /** Called with one line per finished request (nothing is logged without it). */
  log?: (line: string) => void;
  /** Serve the /__sim/ control API to loopback clients (default true). */
  control?: boolean;
  /** Meet deadlines within tens of microseconds by spinning the last millisecond (costs CPU). */
  precise?: boolean;
}

export interface SimServer {
  /** Base URL of the default path, e.g. http://127.0.0.1:43121/v1 */
  url: string;
  /** http://127.0.0.1:43121 */
  origin: string;
  port: number;
  /** Base URL of a profile (`/NAME/v1`); the default path without a name. */
  baseUrl(profile?: string): string;
  profileNames(): string[];
  /** A profile's settings (the key shown as "(set)"), or undefined when there is no such profile. */
  profileSettings(name: string): Record<string, unknown> | undefined;
  stats(): SimStats;
  /** Per profile, the most recent streamed replies with their times (GET /__sim/requests). */
  requests(): Record<string, readonly TimedRequest[]>;
  resetStats(): void;
  /** Change (or create) a profile at run time; returns its settings (the key shown as "(set)"). */
  setProfile(name: string, patch: ProfilePatch): Record<string, unknown>;
  /** Hold every request arriving in the next `ms` (on one profile, or all) until the pause ends. */
  pause(ms: number, profile?: string): void;
  close(): Promise<void>;
}

export const DEFAULT_MODELS = ['sim-1', 'gpt-4.1', 'gpt-4.1-mini', 'deepseek-v3.2', 'deepseek-reasoner'];

const PROFILE_KEYS = new Set(Object.keys(DEFAULT_SETTINGS).concat(['label', 'region', 'via', 'apiKey']));

function toPatch(name: string, input: ProfilePatch | string): Partial<ProfileSettings> {
  if (typeof input === 'string') return parseProfileSpec(`${name}=${input}`).patch;
  return patchFromObject(input, `profile ${name}`);
}

export async function startSim(options: SimOptions = {}): Promise<SimServer> {
  const defaultsPatch: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) if (PROFILE_KEYS.has(k) && v !== undefined) defaultsPatch[k] = v;
  const defaults: ProfileSettings = { ...DEFAULT_SETTINGS, ...patchFromObject(defaultsPatch, 'sim options') };
  const seed = options.seed ?? 1;
  const shared: SimShared = {
    seed, models: options.models ?? DEFAULT_MODELS, strictModels: options.models !== undefined,
    started: performance.now(), pausedUntil: 0, counter: 0, idSalt: mix32(seed ^ 0x51d), log: options.log,
    clock: options.precise ? new PreciseClock() : coarseClock,
  };
  const profiles = new Map<string, ProfileState>();
  profiles.set('default', new ProfileState('default', defaults, seed));
  for (const [name, input] of Object.entries(options.profiles ?? {})) {
    checkProfileName(name);
    profiles.set(name, new ProfileState(name, resolveProfile(defaults, toPatch(name, input)), seed));
  }
  const control = options.control !== false;

  const sim = {} as SimServer;
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    let p: ProfileState | undefined;
    let rest: string;
    if (path.startsWith('/v1/')) {
      p = profiles.get('default');
      rest = path.slice(3);
    } else if (path === '/health') {
      p = profiles.get('default');
      rest = path;
    } else if (control && path.startsWith('/__sim/')) {
      handleControl(sim, req, res, path.slice(6));
      return;
    } else {
      const slash = path.indexOf('/', 1);
      p = slash > 0 ? profiles.get(path.slice(1, slash)) : undefined;
      rest = slash > 0 ? path.slice(slash) : path;
      if (p && rest.startsWith('/v1/')) rest = rest.slice(3);
      else if (rest !== '/health') p = undefined;
    }
    if (!p) return notFound(req, res, path);
    if (rest === '/chat/completions') {
      if (req.method === 'POST') return handleChat(shared, p, req, res);
    } else if (rest === '/models' || rest.startsWith('/models/') || rest === '/health') {
      if (req.method === 'GET') return small(shared, p, req, res, rest);
    }
    return notFound(req, res, path);
  };

  const server = createServer({ noDelay: true, keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 }, route);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new RelayError(
      e.code === 'EADDRINUSE'
        ? `port ${options.port} on ${host} is in use: choose another with --port, or --port 0 for a free one`
        : `relay sim could not listen on ${host}:${options.port ?? 0}: ${e.message}`,
      { code: 'sim_listen', exitCode: EXIT.usage, cause: e })));
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const origin = `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;

  const pauseTimers = (options.pauses ?? []).map(({ atMs, durationMs }) =>
    setTimeout(() => { shared.pausedUntil = Math.max(shared.pausedUntil, performance.now() + durationMs); }, atMs).unref());

  Object.assign(sim, {
    url: `${origin}/v1`,
    origin,
    port,
    baseUrl: (profile?: string) => (profile && profile !== 'default' ? `${origin}/${profile}/v1` : `${origin}/v1`),
    profileNames: () => [...profiles.keys()],
    profileSettings: (name: string) => profiles.get(name)?.publicSettings(),
    stats: (): SimStats => {
      const out: SimStats = { uptimeMs: Math.round(performance.now() - shared.started), timing: {}, profiles: {}, total: emptyStats() };
      for (const [name, p] of profiles) {
        out.profiles[name] = structuredClone(p.stats);
        addStats(out.total, p.stats);
        if (p.timing.count) out.timing[name] = p.timing.summary();
      }
      return out;
    },
    requests: () => {
      const out: Record<string, readonly TimedRequest[]> = {};
      for (const [name, p] of profiles) if (p.timing.requests.length) out[name] = p.timing.requests;
      return out;
    },
    resetStats: () => {
      for (const p of profiles.values()) {
        const inFlight = p.stats.inFlight;
        p.stats = emptyStats();
        p.stats.inFlight = inFlight;
        p.timing.reset();
      }
    },
    setProfile: (name: string, patch: ProfilePatch) => {
      const p = profiles.get(name);
      const next = toPatch(name, patch);
      if (p) p.apply({ ...p.settings, ...next });
      else profiles.set(checkProfileName(name), new ProfileState(name, resolveProfile(defaults, next), seed));
      return profiles.get(name)!.publicSettings();
    },
    pause: (ms: number, profile?: string) => {
      const until = performance.now() + ms;
      if (profile === undefined) shared.pausedUntil = Math.max(shared.pausedUntil, until);
      else {
        const p = profiles.get(profile);
        if (!p) throw new RelayError(`no profile '${profile}'`, { code: 'sim_profile', exitCode: EXIT.usage });
        p.pausedUntil = Math.max(p.pausedUntil, until);
      }
    },
    close: () => new Promise<void>((resolve) => {
      for (const t of pauseTimers) clearTimeout(t);
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  } satisfies SimServer);
  return sim;
}

function notFound(req: IncomingMessage, res: ServerResponse, path: string): void {
  const body = ERR.notFound(req.method ?? 'GET', path);
  req.resume();
  res.writeHead(404, ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body))]);
  res.end(body);
}

// GET /models, /models/ID and /health: small JSON answers, with the profile's latency and key.
function small(shared: SimShared, p: ProfileState, req: IncomingMessage, res: ServerResponse, rest: string): void {
  p.stats.requests++;
  req.resume();
  const send = (status: number, body: string) => {
    if (res.destroyed) return;
    p.count(status);
    res.writeHead(status, ['content-type', 'application/json', 'content-length', String(Buffer.byteLength(body)), SIM_MARKER, p.name]);
    res.end(body);
  };
  const reply = (): void => {
    if (rest === '/health') return send(200, JSON.stringify({ status: 'ok', profile: p.name }));
    const key = p.settings.apiKey ?? shared.apiKey;
    const auth = req.headers.authorization;
    if (key !== undefined && (!auth || auth.slice(7) !== key || !/^bearer /i.test(auth))) {
      return send(401, auth ? ERR.badKey() : ERR.missingKey());
    }
    const created = 1_700_000_000;
    if (rest === '/models') return send(200, modelsBody(shared.models, created));
    const id = decodeURIComponent(rest.slice('/models/'.length));
    if (shared.models.includes(id) || !shared.strictModels) return send(200, modelBody(id, created));
    return send(404, ERR.noModel(id));
  };
  const wait = rest === '/health' ? 0 : p.latency();
  if (wait > 0) shared.clock.after(wait, reply);
  else reply();
}
