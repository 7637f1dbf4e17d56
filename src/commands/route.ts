import type { Io } from '../cli/io.js';
import type { RequestFlags } from '../cli/request-flags.js';
import { EXIT, usageError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { DEFAULT_RETRY } from '../core/retry.js';
import { Router, type ProbeResult } from '../core/router.js';
import { ROUTE_CONNECT_TIMEOUT_MS, type Strategy } from '../core/strategy.js';
import { setupRequests } from './request-setup.js';
import { shownUrl } from '../core/http1-head.js';

export async function routeStatus(opts: RequestFlags & { probes?: string; json?: boolean }, io: Io): Promise<number> {
  const probes = Number(opts.probes ?? 3);
  if (!Number.isInteger(probes) || probes < 1 || probes > 100) throw usageError(`--probes takes a whole number from 1 to 100, got "${opts.probes}"`);
  const setup = await setupRequests(opts, io);
  const s = setup.settings;
  const connect = s.connectTimeoutMs.source === 'default' ? ROUTE_CONNECT_TIMEOUT_MS : s.connectTimeoutMs.value;
  const router = new Router(s.endpoints.map((e) => setup.clientFor(e, { connectTimeoutMs: connect })), {
    strategy: s.strategy.value as Strategy, retry: DEFAULT_RETRY, breaker: { ...s.breaker },
  });
  try {
    const results: ProbeResult[][] = s.endpoints.map(() => []);
    // Endpoints are probed side by side; each endpoint's probes one after another.
    await Promise.all(s.endpoints.map(async (_, i) => {
      for (let k = 0; k < probes; k++) results[i].push(await router.probe(i));
    }));
    const rows = results.map((rs, i) => {
      const last = rs[rs.length - 1];
      const ok = rs.filter((r) => !r.error);
      const times = ok.map((r) => r.probeMs!).sort((a, b) => a - b);
      return {
        name: s.endpoints[i].name, url: shownUrl(s.endpoints[i].baseUrl), via: s.endpoints[i].via ?? null, region: s.endpoints[i].region ?? null,
        // Marked in the config, or seen answering with relay sim's marker header.
        simulated: Boolean(s.endpoints[i].simulated) || rs.some((r) => r.simulated),
        healthy: ok.length === rs.length, probes: rs.length, failures: rs.length - ok.length,
        latencyMs: times.length ? { min: round(times[0]), median: round(times[Math.floor(times.length / 2)]), max: round(times[times.length - 1]) } : null,
        breaker: last.state, models: last.models ?? null, error: rs.find((r) => r.error)?.error ?? null,
        exitCode: rs.find((r) => r.error)?.exitCode,
      };
    });
    if (opts.json) {
      io.stdout.write(redact(JSON.stringify({ strategy: s.strategy.value, endpoints: rows.map(({ exitCode: _, ...r }) => r) }, null, 2)) + '\n');
    } else {
      io.stdout.write(`strategy ${s.strategy.value} (${s.strategy.source}); ${probes} probe(s) per endpoint, GET /models\n`);
      for (const r of rows) {
        const lat = r.latencyMs ? `${r.latencyMs.median} ms (min ${r.latencyMs.min}, max ${r.latencyMs.max})` : '-';
        const health = r.healthy ? io.out.ok('healthy') : io.out.error(`failing ${r.failures}/${r.probes}`);
        io.stdout.write(redact(`${r.name.padEnd(14)} ${health}  latency ${lat}  breaker ${r.breaker}  models ${r.models ? r.models.length : '-'}${r.simulated ? '  (simulated)' : ''}\n`));
        if (r.error) io.stdout.write(redact(`${''.padEnd(14)} ${io.out.dim(r.error)}\n`));
      }
    }
    // All failing for the same kind of reason (e.g. every one a 401): that kind's exit code.
    const codes = [...new Set(rows.filter((r) => !r.healthy).map((r) => r.exitCode ?? EXIT.network))];
    return codes.length === 0 ? EXIT.ok : codes.length === 1 ? codes[0]! : EXIT.network;
  } finally {
    await router.close();
  }
}

const round = (v: number) => Math.round(v * 10) / 10;
