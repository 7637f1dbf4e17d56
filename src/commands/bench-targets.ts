import { loadConfig } from '../config/load.js';
import { resolveSettings, type ResolvedEndpoint } from '../config/resolve.js';
import { usageError } from '../core/errors.js';
import type { Io } from '../cli/io.js';
import type { BenchFlags } from './bench-options.js';
import { shownUrl } from '../core/http1-head.js';

// Which endpoints a bench run hits: --target NAME=URL (repeatable), --regions from the config's
// endpoints, or whatever --endpoint / --base-url / the config resolve to, as every command does.

const PAIR_NAME = /^(.+?)[-_./:](direct|relay)$/i;

/** `sg-direct=http://...` -> name, url; a name ending in -direct / -relay also gives region and via. */
export function parseTarget(spec: string): { name: string; url: string; region?: string; via?: 'direct' | 'relay' } {
  const eq = spec.indexOf('=');
  const name = eq > 0 ? spec.slice(0, eq).trim() : '';
  const url = eq > 0 ? spec.slice(eq + 1).trim() : '';
  if (!name || !url) throw usageError(`--target takes NAME=URL, e.g. sg-direct=http://127.0.0.1:8080/v1, got "${eq > 0 ? `${name}=${shownUrl(url)}` : shownUrl(spec)}"`);
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw usageError(`--target ${name}: "${shownUrl(url)}" is not an http(s) base URL like http://127.0.0.1:8080/v1`);
  }
  const m = PAIR_NAME.exec(name);
  return { name, url, ...(m ? { region: m[1], via: m[2]!.toLowerCase() as 'direct' | 'relay' } : {}) };
}

/** The flags to hand to setupRequests so its resolution succeeds for these targets. */
export async function targetFlags(flags: BenchFlags, io: Io): Promise<BenchFlags> {
  if ([flags.target?.length, flags.regions, flags.route].filter(Boolean).length > 1) throw usageError('give one of --target, --regions or --route');
  if (flags.route) {
    const loaded = await loadConfig({ env: io.env, cwd: io.cwd, configPath: flags.config });
    if (!loaded.config.routes?.[flags.route]) {
      const known = Object.keys(loaded.config.routes ?? {});
      throw usageError(`no route "${flags.route}" in the config; ${known.length ? `routes: ${known.join(', ')}` : 'define one under routes: (see relay route --help)'}`);
    }
    return { ...flags, endpoint: flags.route, baseUrl: undefined };
  }
  if (flags.target?.length) {
    return { ...flags, baseUrl: parseTarget(flags.target[0]!).url, endpoint: undefined };
  }
  if (!flags.regions) return flags;
  const wanted = flags.regions.split(',').map((s) => s.trim()).filter(Boolean);
  const loaded = await loadConfig({ env: io.env, cwd: io.cwd, configPath: flags.config });
  const endpoints = Object.entries(loaded.config.endpoints ?? {});
  const names = endpoints.filter(([, e]) => e.region !== undefined && wanted.includes(e.region)).map(([n]) => n);
  const missing = wanted.filter((r) => !endpoints.some(([, e]) => e.region === r));
  if (missing.length) {
    const known = [...new Set(endpoints.map(([, e]) => e.region).filter(Boolean))];
    throw usageError(`no configured endpoint has region ${missing.join(', ')}; ${known.length ? `regions in the config: ${known.join(', ')}` : 'give endpoints a region in the config (see relay config)'}`);
  }
  return { ...flags, endpoint: names.join(','), baseUrl: undefined };
}

/** The resolved endpoints to benchmark, one per target, names unique. */
export async function resolveTargets(flags: BenchFlags, resolved: ResolvedEndpoint[], io: Io, loadedConfigPath?: string): Promise<ResolvedEndpoint[]> {
  let out: ResolvedEndpoint[];
  if (flags.target?.length) {
    const loaded = await loadConfig({ env: io.env, cwd: io.cwd, configPath: loadedConfigPath ?? flags.config });
    out = flags.target.map((spec) => {
      const t = parseTarget(spec);
      const [e] = resolveSettings({ ...flags, baseUrl: t.url, endpoint: undefined }, loaded, io.env).endpoints;
      return { ...e!, name: t.name, region: t.region, via: t.via, source: '--target' };
    });
  } else {
    out = resolved;
  }
  const seen = new Set<string>();
  for (const e of out) {
    if (seen.has(e.name)) throw usageError(`target name "${e.name}" is used twice; give each target its own name`);
    seen.add(e.name);
  }
  return out;
}
