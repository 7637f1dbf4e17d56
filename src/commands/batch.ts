import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import type { Io } from '../cli/io.js';
import { EXIT, RelayError, usageError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { buildBook, pricesFileLayer, type OverrideLayer } from '../cost/overrides.js';
import type { PriceBook } from '../cost/price-table.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { RateLimiter } from '../limit/limiter.js';
import { createProgress, plural } from '../output/progress.js';
import { DiskCache } from '../batch/cache.js';
import { knownPrice, makePricer } from '../batch/pricing.js';
import { prepareResume, type ResumeState } from '../batch/resume.js';
import { BatchRunner } from '../batch/runner.js';
import { scanInput, type ScanResult, type Source } from '../batch/scan.js';
import { FileSink, StreamSink, type LineSink } from '../batch/sink.js';
import type { BatchSummary } from '../batch/stats.js';
import { onStopSignals } from './stop-signals.js';
import type { OutputRecord } from '../batch/records.js';
import { BATCH_RETRIES, parseBatchOptions, resumeCommand, type BatchOptions, type BatchSettings } from './batch-options.js';
import { openReport, progressStatus, reportRow, summaryText, writeSummaryJson } from './batch-report.js';
import { dryRun } from './batch-dry-run.js';
import { checkDistinctFiles, openInput } from './batch-input.js';
import { setupRequests } from './request-setup.js';
import { shareText } from './share-flag.js';

export type { BatchOptions } from './batch-options.js';

/** `relay batch`: flags -> checks -> runner with progress, Ctrl-C handling and the closing summary. */
export async function batch(opts: BatchOptions, io: Io): Promise<number> {
  const s = parseBatchOptions(opts);
  checkDistinctFiles([['input', opts.input], ['-o', opts.output], ['--errors', opts.errors], ['--report', opts.report], ['--summary-json', opts.summaryJson]]);
  const input = await openInput(opts.input, io);
  try {
    return await run(opts, s, input.source, io);
  } finally {
    input.cleanup();
  }
}

async function run(opts: BatchOptions, s: BatchSettings, source: Source, io: Io): Promise<number> {
  const note = (line: string) => { if (!opts.quiet) io.stderr.write(io.err.dim(redact(line)) + '\n'); };
  const setup = opts.dryRun ? await setupRequests(opts, io, BATCH_RETRIES).catch(() => undefined) : await setupRequests(opts, io, BATCH_RETRIES);
  const model = setup?.settings.model.value ?? opts.model ?? (io.env.RELAY_MODEL || undefined);
  const defaults = { model, system: opts.system, temperature: s.temperature, maxTokens: s.maxTokens };
  const book = await priceBook(opts, io, setup?.loaded);

  let resume: ResumeState | undefined;
  if (opts.output && !opts.dryRun) resume = await prepareOutput(opts, note);
  const scan = await scanInput(source, { defaults, dedup: opts.dedup !== false, estimate: Boolean(opts.dryRun), done: resume?.done });
  checkScan(scan, opts, s, book);
  if (opts.dryRun) return dryRun(scan, book, io, opts);
  for (const m of scan.models.keys()) if (!knownPrice(book, m)) note(`relay: no price known for model ${m}: its cost shows as unknown (add one with --prices FILE)`);
  if (resume?.existed) note(`relay: resume: ${scan.lines - scan.toRun} of ${plural(scan.lines, 'line')} already done, ${scan.toRun} to run`);

  const chatter = setup!.chatter();
  const sink: LineSink = opts.output ? new FileSink(opts.output, opts.overwrite ? 'truncate' : 'append') : new StreamSink(io.stdout);
  const errorSink = opts.errors ? new FileSink(opts.errors, 'truncate') : undefined;
  const report = opts.report ? await openReport(opts.report) : undefined;
  const runner = new BatchRunner({
    source, scan, defaults, sender: chatter,
    endpointKey: setup!.settings.endpoints.map((e) => e.baseUrl).join(' '),
    concurrency: s.concurrency, limiter: new RateLimiter({ rpm: s.rpm, tpm: s.tpm }, performance.now()), tokensLimited: s.tpm !== undefined,
    retries: setup!.settings.retries.value, done: resume?.done, keyWorked: (resume?.sentOk ?? 0) > 0, dedup: opts.dedup !== false,
    cache: opts.cache ? new DiskCache(opts.cache, s.cacheTtlMs) : undefined,
    pricer: makePricer(book), maxCost: s.maxCost, orderedWindow: opts.ordered ? Math.max(1000, s.concurrency * 16) : 0,
    sink, errorSink, runId: randomBytes(4).toString('hex'),
  });
  const progress = createProgress(io, { quiet: opts.quiet, total: scan.toRun, label: 'batch' });
  const status = () => progressStatus(runner.stats);
  runner.on('result', ({ record, ok }: { record: OutputRecord; ok: boolean }) => {
    progress.update(runner.stats.done, status);
    report?.row(reportRow(record, ok));
  });
  runner.on('warning', (m: string) => progress.log(io.err.warn(redact(`relay: warning: ${m}`))));

  const interrupt = interruptions(runner, s.graceMs, (line) => progress.log(io.err.warn(line)));
  // Signals are handled until the summary is out (after one came, until the process exits).
  try {
    let summary: BatchSummary;
    try {
      summary = await runner.run();
    } finally {
      progress.stop();
      await Promise.all([sink.close(), errorSink?.close(), chatter.close()]);
      report?.close();
    }
    // A route's endpoints are listed in its order, each with its breaker openings.
    const health = chatter.router?.health() ?? [];
    if (health.length) {
      summary.endpoints = Object.fromEntries(health.map((h) => [h.name, { ...(summary.endpoints[h.name] ?? { lines: 0, failoversFrom: 0 }), breakerOpenings: h.openings }]));
    }
    if (!opts.quiet) io.stderr.write(summaryText(summary, io.err) + '\n');
    if (opts.summaryJson) writeSummaryJson(opts.summaryJson, summary, { input: opts.input, output: opts.output ?? null });
    return verdict(summary, s, opts, interrupt.waitingAtStop, (resume?.sentOk ?? 0) > 0);
  } finally {
    interrupt.dispose();
  }
}

/** Built-in prices < the config's `prices:` < --prices FILE. */
async function priceBook(opts: BatchOptions, io: Io, loaded?: LoadedConfig): Promise<PriceBook> {
  const layers: OverrideLayer[] = [];
  const cfg = loaded ?? await loadConfig({ env: io.env, cwd: io.cwd, configPath: opts.config }).catch(() => undefined);
  if (cfg?.config.prices) layers.push({ label: `config: ${cfg.file ?? 'config'}`, prices: cfg.config.prices });
  if (opts.prices) layers.push(await pricesFileLayer(opts.prices, io.cwd));
  return buildBook(layers);
}

/** -o: refuse to mix runs unless told; with --resume, find what is done and make the file safe to append to. */
async function prepareOutput(opts: BatchOptions, note: (l: string) => void): Promise<ResumeState | undefined> {
  const path = opts.output!;
  let size = 0;
  try {
    size = statSync(path).size;
  } catch { /* a new file */ }
  if (!opts.resume) {
    if (size > 0 && !opts.overwrite) throw usageError(`${path} already holds results; continue it with --resume, or replace it with --overwrite`);
    return undefined;
  }
  const r = await prepareResume(path, { skipFailed: Boolean(opts.skipFailed) });
  if (!r.existed) note(`relay: resume: ${path} does not exist yet; starting from the first line`);
  if (r.repairedBytes) note(`relay: resume: cut a torn last line (${r.repairedBytes} bytes) off ${path}, left by an interrupted write; that line runs again`);
  if (r.failedRemoved) note(`relay: resume: ${plural(r.failedRemoved, 'failed line')} removed from ${path}; ${r.failedRemoved === 1 ? 'it runs' : 'they run'} again (--skip-failed keeps them)`);
  if (r.unreadable || r.duplicates) note(`relay: resume: removed ${[r.unreadable ? plural(r.unreadable, 'unreadable line') : '', r.duplicates ? plural(r.duplicates, 'duplicate line') : ''].filter(Boolean).join(' and ')} from ${path}`);
  return r;
}

function checkScan(scan: ScanResult, opts: BatchOptions, s: BatchSettings, book: PriceBook): void {
  if (scan.duplicateIds.length) {
    const shown = scan.duplicateIds.slice(0, 10).map((d) => `${JSON.stringify(d.id)} (lines ${d.lines.slice(0, 5).join(', ')}${d.lines.length > 5 ? ', …' : ''})`);
    const more = scan.duplicateIds.length > 10 ? `, and ${scan.duplicateIds.length - 10} more` : '';
    throw usageError(`${plural(scan.duplicateIds.length, 'id')} ${scan.duplicateIds.length === 1 ? 'appears' : 'appear'} more than once in ${opts.input}: ${shown.join('; ')}${more}; ids must be unique so each result can be matched and resumed`);
  }
  if (scan.missingModel.count) {
    throw usageError(`${plural(scan.missingModel.count, 'line')} ${scan.missingModel.count === 1 ? 'names' : 'name'} no model (line${scan.missingModel.first.length === 1 ? '' : 's'} ${scan.missingModel.first.join(', ')}${scan.missingModel.count > scan.missingModel.first.length ? ', …' : ''}); pass --model NAME, set RELAY_MODEL, or add "model" to ${scan.missingModel.count === 1 ? 'it' : 'them'}`);
  }
  if (s.maxCost) {
    const unpriced = [...scan.models.keys()].filter((m) => !knownPrice(book, m));
    if (unpriced.length) throw usageError(`--max-cost needs a price for every model, and relay has none for ${unpriced.join(', ')}; add them with --prices FILE (relay never guesses a price)`);
  }
}

/**
 * First Ctrl-C or SIGTERM: stop scheduling, give in-flight requests the grace period. A second
 * Ctrl-C stops them now; a second SIGTERM is ignored, since GNU timeout signals the process and
 * then its whole group.
 */
function interruptions(runner: BatchRunner, graceMs: number, say: (line: string) => void) {
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const signals = onStopSignals((signal) => {
    if (!stopping) {
      stopping = true;
      state.waitingAtStop = runner.waiting;
      const sending = runner.inFlight - runner.waiting;
      runner.stop();
      say(`relay: stopping${signal === 'SIGTERM' ? ' (SIGTERM)' : ''}: no new lines${state.waitingAtStop ? `; ${state.waitingAtStop} waiting to retry or for the rate limit ${state.waitingAtStop === 1 ? 'was' : 'were'} cancelled` : ''}` +
        (sending ? `; ${sending} in flight get ${graceMs / 1000} s to finish (Ctrl-C again to stop them now)` : ''));
      timer = setTimeout(() => runner.abortAll(), graceMs);
      timer.unref();
    } else if (signal === 'SIGINT') {
      say('relay: stopping now: cancelling the requests in flight');
      runner.abortAll();
    }
  });
  const state = {
    waitingAtStop: 0,
    dispose: () => {
      if (timer) clearTimeout(timer);
      signals.dispose();
    },
  };
  return state;
}

/** `keyWorked`: the file being resumed holds successes, so refusals now are not the key's fault. */
export function verdict(summary: BatchSummary, s: BatchSettings, opts: BatchOptions, waitingAtStop: number, keyWorked = false): number {
  const l = summary.lines;
  const resumeHint = opts.output
    ? `resume with: ${resumeCommand(process.argv.slice(2))}`
    : 'results went to stdout, so nothing records what is done: rerun with -o FILE to be able to resume';
  const stdinNote = opts.input === '-' ? ' (pipe the same input again)' : '';
  // Successes whose request was sent now (not --cache hits, nor copies): proof the key works.
  const sentOk = l.ok - l.cached - l.deduplicated;
  const fixThen = (fix: string) => (opts.output ? `${fix}, then ${resumeHint}` : `${fix} and run it again (results went to stdout, so nothing records what is done)`);
  if (summary.stoppedBy === 'interrupt') {
    const retrying = waitingAtStop ? ` (${waitingAtStop} ${waitingAtStop === 1 ? 'was' : 'were'} waiting to retry or for the rate limit)` : '';
    throw new RelayError(`interrupted: ${plural(l.ok + l.failed, 'line')} written this run, ${l.notRun} not run${retrying}; ${resumeHint}${stdinNote}`,
      { code: 'interrupted', exitCode: EXIT.interrupted });
  }
  if (summary.stoppedBy === 'max-cost') {
    throw new RelayError(`spend reached --max-cost ${s.maxCostText} (spent $${summary.cost}); ${plural(l.notRun, 'line')} not run; ${resumeHint} and a higher --max-cost`,
      { code: 'max_cost', exitCode: EXIT.threshold });
  }
  // (A stop that left nothing out changed nothing: the verdicts below apply.)
  if (summary.stoppedBy === 'auth' && l.notRun > 0) {
    const stopped = `stopped at the first 401 (${plural(l.notRun, 'line')} not run); `;
    // Lines already on the wire succeeded after the 401: the key works and the 401 was that line's
    // own. A resumed run knows that from the file and does not stop at a 401.
    const advice = sentOk > 0
      ? (opts.output ? `other lines succeeded with the same key, so the 401 concerns that line alone; ${resumeHint}${stdinNote}` : 'other lines succeeded with the same key, so the 401 concerns that line alone; run it again with -o FILE to be able to resume')
      : `${fixThen('fix the key')}${opts.output ? ` (if the key is refused only for some models, --skip-failed with --resume moves past those lines)${stdinNote}` : ''}`;
    throw new RelayError(`${summary.authError ?? 'the endpoint refused the key (401)'}; ${stopped}${advice}`, { code: 'auth', exitCode: EXIT.auth });
  }
  if (l.notRun > 0) {
    // Every line gets a record unless the run was stopped; anything else (an input that changed
    // under the run) must not look like success.
    throw new RelayError(`${l.notRun} of ${plural(l.total, 'line')} ${l.notRun === 1 ? 'was' : 'were'} not run (did the input change during the run?); ${resumeHint}`,
      { code: 'incomplete', exitCode: EXIT.internal });
  }
  const done = l.ok + l.failed;
  // Nothing succeeded and every failure was a refusal (403s, say): an authentication problem,
  // not an error rate.
  if (done > 0 && sentOk === 0 && !keyWorked && summary.failedByCode.auth === l.failed) {
    const all = l.ok === 0 ? `all ${plural(l.failed, 'line')} were refused` : `every line sent was refused (${plural(l.failed, 'line')}; ${l.ok} came from the cache)`;
    throw new RelayError(`${all} (401/403, see the error of each line); ${fixThen('check the key and the endpoint\'s permissions')}`,
      { code: 'auth', exitCode: EXIT.auth });
  }
  if (done > 0 && l.failed / done > s.maxErrorRate) {
    const pct = ((l.failed / done) * 100).toFixed(2).replace(/\.?0+$/, '');
    const where = opts.errors ? ` (listed in ${opts.errors})` : '';
    throw new RelayError(`${l.failed} of ${plural(done, 'line')} failed (${pct}%)${where}, above --max-error-rate ${shareText(s.maxErrorRate)}; ${opts.output ? `run them again with: ${resumeCommand(process.argv.slice(2))}${stdinNote}` : resumeHint}`,
      { code: 'max_error_rate', exitCode: EXIT.threshold });
  }
  return EXIT.ok;
}
