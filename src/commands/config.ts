import type { Io } from '../cli/io.js';
import type { RequestFlags } from '../cli/request-flags.js';
import { loadConfig } from '../config/load.js';
import { resolveSettings } from '../config/resolve.js';
import { maskKey, redact } from '../core/redact.js';
import { shownUrl } from '../core/http1-head.js';

// `relay config`: what relay will use and where each value came from. Keys are masked.

export async function showConfig(opts: RequestFlags & { json?: boolean }, io: Io): Promise<number> {
  const loaded = await loadConfig({ env: io.env, cwd: io.cwd, configPath: opts.config });
  let endpointsError: string | undefined;
  let settings;
  try {
    settings = resolveSettings(opts, loaded, io.env);
  } catch (e) {
    endpointsError = (e as Error).message;
  }
  const configured = Object.entries(loaded.config.endpoints ?? {}).map(([name, e]) => ({
    name, baseUrl: shownUrl(e.baseUrl), region: e.region, via: e.via, apiKeyEnv: e.apiKeyEnv ?? loaded.config.apiKeyEnv ?? 'RELAY_API_KEY',
    key: maskKey(io.env[e.apiKeyEnv ?? loaded.config.apiKeyEnv ?? 'RELAY_API_KEY']),
  }));
  const doc = {
    configFile: loaded.file ?? null,
    selected: settings ? settings.endpoints.map((e) => ({
      name: e.name, baseUrl: shownUrl(e.baseUrl), source: e.source, apiKeyEnv: e.apiKeyEnv, key: maskKey(e.apiKey),
      headers: Object.keys(e.headers),
    })) : null,
    selectError: endpointsError ?? null,
    model: settings ? settings.model : null,
    timeoutSeconds: settings ? { value: settings.timeoutMs.value / 1000, source: settings.timeoutMs.source } : null,
    connectTimeoutSeconds: settings ? { value: settings.connectTimeoutMs.value / 1000, source: settings.connectTimeoutMs.source } : null,
    idleTimeoutSeconds: settings ? { value: settings.idleTimeoutMs.value / 1000, source: settings.idleTimeoutMs.source } : null,
    retries: settings ? settings.retries : null,
    endpoints: configured,
    routes: loaded.config.routes ?? {},
    prices: Object.keys(loaded.config.prices ?? {}),
  };
  if (opts.json) {
    io.stdout.write(redact(JSON.stringify(doc, null, 2)) + '\n');
    return 0;
  }
  const w = (s: string) => io.stdout.write(redact(s) + '\n');
  w(`config file      ${loaded.file ?? '(none found; searched from ' + io.cwd + ')'}`);
  if (settings) {
    for (const e of doc.selected!) w(`endpoint         ${e.name}  ${e.baseUrl}  (${e.source})  key ${e.key} from ${e.apiKeyEnv}`);
    w(`model            ${settings.model.value ? `${settings.model.value}  (${settings.model.source})` : '(not set: -m, RELAY_MODEL or defaultModel)'}`);
    w(`timeout          ${doc.timeoutSeconds!.value} s  (${doc.timeoutSeconds!.source})`);
    w(`connect timeout  ${doc.connectTimeoutSeconds!.value} s  (${doc.connectTimeoutSeconds!.source})`);
    w(`idle timeout     ${doc.idleTimeoutSeconds!.value ? doc.idleTimeoutSeconds!.value + ' s' : 'off'}  (${doc.idleTimeoutSeconds!.source})`);
    w(`retries          ${settings.retries.value}  (${settings.retries.source})`);
  } else {
    w(`endpoint         none: ${endpointsError}`);
  }
  if (configured.length) {
    w('configured endpoints:');
    for (const e of configured) w(`  ${e.name}  ${e.baseUrl}${e.region ? `  region ${e.region}` : ''}${e.via ? `  via ${e.via}` : ''}  key ${e.key} from ${e.apiKeyEnv}`);
  }
  return 0;
}
