import { accessSync, constants, existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { makeDirs } from '../core/make-dirs.js';
import type { Io } from '../cli/io.js';
import { RelayError, EXIT } from '../core/errors.js';
import { summaryCsv } from '../bench/csv.js';
import { htmlReport } from '../bench/html.js';
import type { BenchReport } from '../bench/report.js';
import type { RunData } from '../bench/run-data.js';
import { comparisonTables, countsTable, loadLine, percentileTables } from '../bench/tables.js';
import { terminalHistograms } from '../bench/termhist.js';
import { shareText } from './share-flag.js';

// Where a finished report goes: tables to stderr, --json to stdout, --csv / --html to files.

export interface ReportOutputs {
  json?: boolean;
  csv?: string;
  html?: string;
}

function cannotWrite(flag: string, path: string, e: unknown): RelayError {
  return new RelayError(`cannot write ${flag} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; check the folder exists and is writable`,
    { code: 'output', exitCode: EXIT.usage, cause: e });
}

function writeFile(io: Io, path: string, text: string, flag: string): void {
  try {
    writeFileSync(resolve(io.cwd, path), text);
  } catch (e) {
    throw cannotWrite(flag, path, e);
  }
}

/**
 * Before the run: every file and folder it will write can be written. A benchmark that ran for
 * half an hour and then could not save its report would have to be run again.
 */
export function checkOutputs(io: Io, files: Record<string, string | undefined>, hdrLog: string | undefined): void {
  for (const [flag, path] of Object.entries(files)) {
    if (!path) continue;
    const p = resolve(io.cwd, path);
    try {
      if (!statSync(dirname(p)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
      accessSync(dirname(p), constants.W_OK);
      if (existsSync(p)) {
        if (statSync(p).isDirectory()) throw Object.assign(new Error('a folder'), { code: 'EISDIR' });
        accessSync(p, constants.W_OK);
      }
    } catch (e) {
      throw cannotWrite(flag, path, e);
    }
  }
  if (!hdrLog) return;
  try {
    makeDirs(resolve(io.cwd, hdrLog));
    accessSync(resolve(io.cwd, hdrLog), constants.W_OK);
  } catch (e) {
    throw cannotWrite('--hdr-log', hdrLog, e);
  }
}

export function emitReport(report: BenchReport, run: RunData, out: ReportOutputs, io: Io): void {
  const style = io.err;
  const main = run.stream ? 'ttft' : 'e2e';
  let text = loadLine(report, style);
  text += comparisonTables(report, style);
  text += percentileTables(report, style);
  text += countsTable(report, style);
  text += terminalHistograms(`${main === 'ttft' ? 'TTFT' : 'E2E'} distribution (ms)`,
    run.targets.map((t) => ({ name: t.name, h: t.histograms[main] })), style);
  io.stderr.write(text);
  if (out.csv) writeFile(io, out.csv, summaryCsv(report), '--csv');
  if (out.html) writeFile(io, out.html, htmlReport(report, run), '--html');
  if (out.json) io.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

const NETWORK = /^(E[A-Z]+|CONNECT_TIMEOUT|UND_ERR_.*|timeout|reset|truncated|stream_error|aborted|malformed_http)$/;

/** After the report is out: a threshold the user set, or a run in which nothing succeeded. */
export function finalCheck(report: BenchReport, maxErrorRate?: number): void {
  if (maxErrorRate !== undefined) {
    const over = report.targets.filter((t) => t.errorRate > maxErrorRate);
    if (over.length) {
      throw new RelayError(`error rate over --max-error-rate ${shareText(maxErrorRate)}: ${over.map((t) => `${t.name} ${(t.errorRate * 100).toFixed(1)}%`).join(', ')}`,
        { code: 'threshold', exitCode: EXIT.threshold });
    }
  }
  const requests = report.targets.reduce((a, t) => a + t.requests, 0);
  const ok = report.targets.reduce((a, t) => a + t.ok, 0);
  if (requests > 0 && ok === 0) {
    const codes: Record<string, number> = {};
    for (const t of report.targets) for (const [k, v] of Object.entries(t.errorsByCode)) codes[k] = (codes[k] ?? 0) + v;
    const top = Object.entries(codes).sort((a, b) => b[1] - a[1])[0]!;
    const network = NETWORK.test(top[0]);
    throw new RelayError(`every request failed (${Object.entries(codes).map(([k, v]) => `${k}: ${v}`).join(', ')}); `
      + (network ? 'check that the target URLs are reachable (for an offline one, run `relay sim`)' : 'check the model name, the key and the target URLs'),
      { code: 'bench_failed', exitCode: network ? EXIT.network : EXIT.api });
  }
  // One target with no success has no latency figures: a comparison with it would pass in CI
  // unnoticed if this exited 0.
  const dead = report.targets.filter((t) => t.requests > 0 && t.ok === 0);
  if (dead.length) {
    const what = dead.map((t) => `${t.name} (${Object.entries(t.errorsByCode).map(([k, v]) => `${k}: ${v}`).join(', ')})`).join(', ');
    throw new RelayError(`every request to ${what} failed, so ${dead.length === 1 ? 'it has' : 'they have'} no latency figures; `
      + 'the other targets were measured (see the report above)', { code: 'threshold', exitCode: EXIT.threshold });
  }
}
