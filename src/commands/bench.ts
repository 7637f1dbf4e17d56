import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import type { Io } from '../cli/io.js';
import { interrupted, usageError } from '../core/errors.js';
import { relayVersion } from '../version.js';
import { headerComments } from '../bench/csv.js';
import { writeManifest } from '../bench/merge.js';
import { buildReport, type BenchReport } from '../bench/report.js';
import { runBench, type BenchTarget } from '../bench/run.js';
import { Pools } from '../core/http1-pool.js';
import { rawSender } from '../bench/raw-send.js';
import { routerSender } from '../bench/send.js';
import type { Router } from '../core/router.js';
import { ROUTE_CONNECT_TIMEOUT_MS, type Strategy } from '../core/strategy.js';
import type { ResolvedEndpoint, ResolvedSettings } from '../config/resolve.js';
import { buildRequests, requestSampler } from '../bench/workload.js';
import { benchSettings, warmupFor, type BenchFlags } from './bench-options.js';
import { checkOutputs, emitReport, finalCheck } from './bench-output.js';
import { benchProgress } from './bench-progress.js';
import { onStopSignals } from './stop-signals.js';
import { resolveTargets, targetFlags } from './bench-targets.js';
import { shownUrl } from '../core/http1-head.js';
import { loadConfig } from '../config/load.js';
import { resolveSettings } from '../config/resolve.js';

// relay bench: flags -> targets and settings -> runBench -> report -> outputs.

export async function bench(flags: BenchFlags, io: Io): Promise<BenchReport> {
  const s = benchSettings(flags);
  // Each request is one attempt: a retry would hide the error and stretch the latency.
  if (flags.retries !== undefined && flags.retries !== '0') io.stderr.write(io.err.warn('relay: warning: bench never retries (each request is measured once); --retries is ignored') + '\n');
  // Config and settings as every command resolves them; no RelayClient is needed: the bench
  // drives the core's connection pool itself (raw-send.ts).
  const resolvedFlags = await targetFlags(flags, io);
  const loaded = await loadConfig({ env: io.env, cwd: io.cwd, configPath: flags.config });
  const st = resolveSettings(resolvedFlags, loaded, io.env);
  for (const w of st.warnings) io.stderr.write(io.err.warn(`relay: warning: ${w}`) + '\n');
  const endpoints = await resolveTargets(flags, st.endpoints, io);
  const model = st.model.value;
  if (!model) throw usageError('bench needs a model: pass --model NAME (relay sim accepts any name)');
  const requests = buildRequests({ model, prompt: flags.prompt, promptsFile: flags.prompts && resolve(io.cwd, flags.prompts), inputTokens: s.inputTokens, maxTokens: s.maxTokens });

  checkOutputs(io, { '--csv': flags.csv, '--html': flags.html, '--raw': flags.raw }, flags.hdrLog);

  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // one listener per target
  // One connection pool per origin, shared by all targets: every target gets the same warmed connections.
  const pools = new Pools();
  const targets: BenchTarget[] = endpoints.map((e) => ({
    info: { name: e.name, url: shownUrl(e.baseUrl), region: e.region, via: e.via, simulated: e.simulated === true },
    send: rawSender(e, {
      stream: s.stream, includeUsage: st.includeUsage, timeoutMs: st.timeoutMs.value, idleTimeoutMs: st.idleTimeoutMs.value,
      connectTimeoutMs: st.connectTimeoutMs.value, userAgent: `relay/${relayVersion()}`, pools, signal: controller.signal,
    }),
  }));

  const router = flags.route ? await routeTarget(flags.route, endpoints, st, s.stream, targets) : undefined;

  const warmup = warmupFor(s, targets.length);
  const config: Record<string, unknown> = {
    targets: targets.map((t) => t.info),
    model,
    workload: flags.prompts ? { promptsFile: flags.prompts, prompts: requests.length } : s.inputTokens ? { inputTokens: s.inputTokens } : { prompt: requests[0]!.messages[0]!.content },
    maxTokens: s.maxTokens,
    stream: s.stream,
    mode: s.mode,
    requestsPerTarget: s.perTarget,
    durationS: s.durationMs === undefined ? undefined : s.durationMs / 1000,
    concurrency: s.concurrency,
    rate: s.rate,
    arrival: s.mode === 'open' ? s.arrival : undefined,
    warmup,
    timeoutS: st.timeoutMs.value / 1000,
    headerNames: [...new Set(endpoints.flatMap((e) => Object.keys(e.headers)))],
    configFile: st.configFile,
  };

  // SIGTERM ends the run as Ctrl-C does: what was measured is reported, and the raw rows and
  // interval logs are written out whole. Repeats change nothing.
  const signals = onStopSignals(() => controller.abort());
  try {
    let run;
    try {
      run = await runBench({
        targets,
        nextRequest: requestSampler(requests, s.seed),
        plan: { mode: s.mode, perTarget: s.perTarget, durationMs: s.durationMs, concurrency: s.concurrency, rate: s.rate, arrival: s.arrival },
        warmup,
        stream: s.stream,
        seed: s.seed,
        config,
        relayVersion: relayVersion(),
        rawPath: flags.raw && resolve(io.cwd, flags.raw),
        rawHeader: headerComments({ relay: { version: relayVersion() }, seed: s.seed, config: { ...config, targets: targetsBeforeReplies(targets) } }, 'raw rows (ms after the start of their phase)'),
        hdrLogDir: flags.hdrLog && resolve(io.cwd, flags.hdrLog),
        signal: controller.signal,
        onEvent: benchProgress(io),
      });
    } finally {
      pools.close();
      await router?.close();
    }
    if (flags.hdrLog) writeManifest(resolve(io.cwd, flags.hdrLog), run);
    const report = buildReport(run);
    emitReport(report, run, { json: flags.json, csv: flags.csv, html: flags.html }, io);
    if (run.interrupted) throw interrupted('interrupted; the results so far were reported');
    finalCheck(report, s.maxErrorRate);
    return report;
  } finally {
    signals.dispose();
  }
}

/**
 * The targets as the raw file's header, written before any reply, can state them: one not
 * configured as simulated may still turn out to be (the closing comment lists those), so it is
 * not called real.
 */
function targetsBeforeReplies(targets: BenchTarget[]): Array<Partial<BenchTarget['info']>> {
  return targets.map(({ info: { simulated, ...t } }) => (simulated ? { ...t, simulated } : t));
}

/** --route NAME: the route as one more target beside its endpoints, through the same Router chat uses. */
async function routeTarget(name: string, endpoints: ResolvedEndpoint[], st: ResolvedSettings, stream: boolean, targets: BenchTarget[]): Promise<Router> {
  const [{ RelayClient }, { Router }, { DEFAULT_RETRY }] = await Promise.all([
    import('../core/client.js'), import('../core/router.js'), import('../core/retry.js'),
  ]);
  const connect = st.connectTimeoutMs.source === 'default' ? ROUTE_CONNECT_TIMEOUT_MS : st.connectTimeoutMs.value;
  const clients = endpoints.map((e) => new RelayClient({
    endpoint: e, timeoutMs: st.timeoutMs.value, connectTimeoutMs: connect, idleTimeoutMs: st.idleTimeoutMs.value,
    includeUsage: st.includeUsage, userAgent: `relay/${relayVersion()}`,
  }));
  const router = new Router(clients, { strategy: st.strategy.value as Strategy, retry: DEFAULT_RETRY, breaker: st.breaker });
  // Failover only: a backoff wait between rounds would be the route's latency too, but retrying the
  // same endpoint is not what a route promises, so the budget is one try per endpoint.
  targets.push({
    info: { name: `route:${name}`, url: `route ${name} (${endpoints.map((e) => e.name).join(', ')})`, simulated: endpoints.every((e) => e.simulated === true) },
    send: routerSender(router, stream, endpoints.length - 1),
  });
  return router;
}
