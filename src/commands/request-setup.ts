import { loadConfig, type LoadedConfig } from '../config/load.js';
import { resolveSettings, type ResolvedEndpoint, type ResolvedSettings } from '../config/resolve.js';
import type { RequestFlags } from '../cli/request-flags.js';
import type { Io } from '../cli/io.js';
import { RelayClient, type ChatCallOptions, type ClientOptions } from '../core/client.js';
import { Router, type Failover } from '../core/router.js';
import { DEFAULT_RETRY } from '../core/retry.js';
import { ROUTE_CONNECT_TIMEOUT_MS, type Strategy } from '../core/strategy.js';
import type { ChatRequest, ChatResult } from '../core/types.js';
import { redact } from '../core/redact.js';
import { usageError } from '../core/errors.js';
import { relayVersion } from '../version.js';

// What every request-sending command does first: config file, then settings, then clients.

/** One endpoint or a route of several: commands send through this and need not know which. */
export interface Chatter {
  chat(req: ChatRequest, call?: ChatCallOptions): Promise<ChatResult & { failovers?: Failover[] }>;
  close(): Promise<void>;
  /** Present when several endpoints form a route. */
  router?: Router;
  endpoints: ResolvedEndpoint[];
}

export interface RequestSetup {
  loaded: LoadedConfig;
  settings: ResolvedSettings;
  clientFor(endpoint: ResolvedEndpoint, extra?: Partial<ClientOptions>): RelayClient;
  chatter(extra?: Partial<ClientOptions>): Chatter;
}



export async function setupRequests(flags: RequestFlags & { config?: string; retryUnknown?: boolean }, io: Io, defaultRetries?: number): Promise<RequestSetup> {
  const loaded = await loadConfig({ env: io.env, cwd: io.cwd, configPath: flags.config });
  const settings = resolveSettings(flags, loaded, io.env);
  if (defaultRetries !== undefined && settings.retries.source === 'default') settings.retries = { value: defaultRetries, source: 'default' };
  for (const w of settings.warnings) io.stderr.write(io.err.warn(`relay: warning: ${w}`) + '\n');
  const debug = io.debug ? (line: string) => io.stderr.write(io.err.dim(redact(`[debug] ${line}`)) + '\n') : undefined;
  const clientFor = (endpoint: ResolvedEndpoint, extra: Partial<ClientOptions> = {}) => new RelayClient({
      endpoint,
      timeoutMs: settings.timeoutMs.value,
      connectTimeoutMs: settings.connectTimeoutMs.value,
      idleTimeoutMs: settings.idleTimeoutMs.value,
      includeUsage: settings.includeUsage,
      retry: { retries: settings.retries.value, retryUnknownOutcome: Boolean(flags.retryUnknown), maxWaitMs: settings.maxRetryWaitMs.value },
      userAgent: `relay/${relayVersion()}`,
      debug,
      ...extra,
    });
  return {
    loaded,
    settings,
    clientFor,
    chatter: (extra = {}) => {
      const eps = settings.endpoints;
      if (eps.length === 1) {
        const client = clientFor(eps[0], extra);
        return { chat: (req, call) => client.chat(req, call), close: () => client.close(), endpoints: eps };
      }
      const connect = settings.connectTimeoutMs.source === 'default' ? ROUTE_CONNECT_TIMEOUT_MS : settings.connectTimeoutMs.value;
      const router = new Router(eps.map((e) => clientFor(e, { connectTimeoutMs: connect, ...extra })), {
        strategy: settings.strategy.value as Strategy,
        retry: { ...DEFAULT_RETRY, retries: settings.retries.value, retryUnknownOutcome: Boolean(flags.retryUnknown), maxWaitMs: settings.maxRetryWaitMs.value },
        breaker: settings.breaker,
      });
      const stopProbing = flags.probeInterval ? router.startProbing(probeMs(flags.probeInterval)) : undefined;
      return { chat: (req, call) => router.chat(req, call), close: () => { stopProbing?.(); return router.close(); }, router, endpoints: eps };
    },
  };
}

function probeMs(raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`--probe-interval takes a number of seconds greater than 0, got "${raw}"`);
  return n * 1000;
}
