import { loadConfig, type LoadedConfig } from '../config/load.js';
import { resolveSettings, type ResolvedEndpoint, type ResolvedSettings } from '../config/resolve.js';
import type { RequestFlags } from '../cli/request-flags.js';
import type { Io } from '../cli/io.js';
import { RelayClient, type ClientOptions } from '../core/client.js';
import { redact } from '../core/redact.js';
import { relayVersion } from '../version.js';

// What every request-sending command does first: config file, then settings, then clients.

export interface RequestSetup {
  loaded: LoadedConfig;
  settings: ResolvedSettings;
  clientFor(endpoint: ResolvedEndpoint, extra?: Partial<ClientOptions>): RelayClient;
}

export async function setupRequests(flags: RequestFlags & { config?: string; retryUnknown?: boolean }, io: Io, defaultRetries?: number): Promise<RequestSetup> {
  const loaded = await loadConfig({ env: io.env, cwd: io.cwd, configPath: flags.config });
  const settings = resolveSettings(flags, loaded, io.env);
  if (defaultRetries !== undefined && settings.retries.source === 'default') settings.retries = { value: defaultRetries, source: 'default' };
  for (const w of settings.warnings) io.stderr.write(io.err.warn(`relay: warning: ${w}`) + '\n');
  const debug = io.debug ? (line: string) => io.stderr.write(io.err.dim(redact(`[debug] ${line}`)) + '\n') : undefined;
  return {
    loaded,
    settings,
    clientFor: (endpoint, extra = {}) => new RelayClient({
      endpoint,
      timeoutMs: settings.timeoutMs.value,
      connectTimeoutMs: settings.connectTimeoutMs.value,
      idleTimeoutMs: settings.idleTimeoutMs.value,
      includeUsage: settings.includeUsage,
      retry: { retries: settings.retries.value, retryUnknownOutcome: Boolean(flags.retryUnknown) },
      userAgent: `relay/${relayVersion()}`,
      debug,
      ...extra,
    }),
  };
}
