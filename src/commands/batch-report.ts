import { redact } from '../core/redact.js';
import { writeFileSync } from 'node:fs';
import type { Style } from '../output/style.js';
import type { CsvFile } from '../output/csv.js';
import { formatDuration, plural } from '../output/progress.js';
import { formatUsd } from '../cost/money.js';
import { fromNumber, type Rational } from '../cost/rational.js';
import { usdRational } from '../batch/pricing.js';
import type { BatchStats, BatchSummary } from '../batch/stats.js';
import type { OutputRecord } from '../batch/records.js';
import type { ModelEstimate } from '../batch/scan.js';
import { DEFAULT_COMPLETION_RESERVE } from '../limit/estimate.js';

// What a batch run shows people: the progress status, the closing summary (stderr), the CSV report
// and the --summary-json document, and the --dry-run estimate (stdout: it is the data asked for).

const n = (v: number) => v.toLocaleString('en-US');

function money(v: number | null | Rational): string {
  if (v === null) return 'unknown';
  return formatUsd(typeof v === 'number' ? fromNumber(v) : v);
}

/** The progress bar's status: ok/failed, rates and spend so far. */
export function progressStatus(stats: BatchStats): string {
  const s = stats.elapsedMs() / 1000;
  const rps = s > 0 ? stats.requests / s : 0;
  const tps = s > 0 ? (stats.tokens.prompt + stats.tokens.completion) / s : 0;
  const spend = stats.spend.pricedLines ? ` | ${money(usdRational(stats.spend.total))}` : '';
  return `ok ${n(stats.ok)} failed ${n(stats.failed)} | ${rps < 100 ? rps.toFixed(1) : n(Math.round(rps))} req/s ${compact(tps)} tok/s${spend}`;
}

function compact(v: number): string {
  return v >= 10_000 ? `${(v / 1000).toFixed(0)}k` : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : String(Math.round(v));
}

export function summaryText(s: BatchSummary, style: Style): string {
  const l = s.lines;
  const codes = Object.entries(s.failedByCode).map(([k, v]) => `${k} ${n(v)}`).join(', ');
  const failed = l.failed ? style.warn(`${n(l.failed)} failed`) + ` (${codes})` : '0 failed';
  const extra = [l.cached ? `${n(l.cached)} from cache` : '', l.deduplicated ? `${n(l.deduplicated)} deduplicated` : ''].filter(Boolean).join(', ');
  const lat = s.latencyMs;
  const t = s.tokens;
  const out = [
    `relay batch: ${style.ok(`${n(l.ok)} ok`)}, ${failed}, ${n(l.skipped)} skipped (done before), ${n(l.notRun)} not run, of ${plural(l.total, 'line')}${extra ? `; ${extra}` : ''}`,
    `  tokens ${n(t.prompt)} in (${n(t.cached)} cached) / ${n(t.completion)} out${t.estimated ? ' (partly estimated)' : ''} | cost ${money(s.cost)}${s.costUnpricedLines ? ` (${plural(s.costUnpricedLines, 'line')} with no known price)` : ''}`,
    `  latency p50 ${fmtMs(lat.p50)} p95 ${fmtMs(lat.p95)} p99 ${fmtMs(lat.p99)} | ${plural(s.requests, 'request')} (${plural(s.retries, 'retry', 'retries')}) in ${formatDuration(s.wallMs)} | ${n(s.achieved.requestsPerMin)} req/min, ${n(Math.round(s.achieved.tokensPerMin))} tok/min`,
  ];
  const eps = Object.entries(s.endpoints);
  if (eps.length > 1 || eps.some(([, e]) => e.failoversFrom || e.breakerOpenings)) {
    out.push(`  endpoints: ${eps.map(([name, e]) => `${name} ${plural(e.lines, 'line')}${e.failoversFrom ? `, ${plural(e.failoversFrom, 'failover')} away` : ''}${e.breakerOpenings ? `, breaker opened ${n(e.breakerOpenings)}x` : ''}`).join('; ')}`);
  }
  return out.join('\n');
}

function fmtMs(v: number | null): string {
  return v === null ? '-' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

export function writeSummaryJson(path: string, s: BatchSummary, extra: Record<string, unknown>): void {
  // authError quotes the server, which may echo the key back.
  writeFileSync(path, redact(JSON.stringify({ ...extra, ...s }, null, 2)) + '\n', { mode: 0o644 });
}

export const REPORT_HEADER = ['id', 'status', 'http_status', 'error_code', 'attempts', 'latency_ms', 'prompt_tokens', 'completion_tokens', 'cost_usd', 'endpoint', 'reply'];

/** The first 200 characters of the reply or the error, keys masked (a server may echo one back). */
function replyText(rec: OutputRecord): string {
  if (rec.error) return redact(rec.error.message).slice(0, 200);
  const body = rec.response?.body as { choices?: Array<{ message?: { content?: unknown } }> } | undefined;
  const c = body?.choices?.[0]?.message?.content;
  return typeof c === 'string' ? redact(c).slice(0, 200) : '';
}

export function reportRow(rec: OutputRecord, ok: boolean): Array<string | number | null> {
  const m = rec.relay;
  return [
    rec.custom_id, ok ? 'ok' : 'failed', rec.response?.status_code ?? null, rec.error?.code ?? null, m.attempts,
    m.latency_ms, m.tokens?.promptTokens ?? null, m.tokens?.completionTokens ?? null, m.cost, m.endpoint, replyText(rec),
  ];
}

/** csv-stringify is loaded only when a report is asked for. */
export async function openReport(path: string): Promise<CsvFile> {
  const { CsvFile: Csv } = await import('../output/csv.js');
  return new Csv(path, REPORT_HEADER);
}

export interface DryRunRow extends ModelEstimate {
  model: string;
  /** Upper bound: every reply as long as max_tokens allows; null without a price. */
  costUsd: Rational | null;
}

/** --dry-run: one row per model; everything marked as an estimate. */
export function dryRunTable(rows: DryRunRow[], totals: { lines: number; invalid: number; toRun: number }, defaultMaxTokens?: number): string {
  const head = ['model', 'lines', 'prompt tokens (est.)', 'max output tokens', 'cost (est., at most)'];
  const body = rows.map((r) => [r.model, n(r.lines), n(r.promptTokens), n(r.maxOutputTokens), r.costUsd ? money(r.costUsd) : 'no price known']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const lines = [fmt(head), ...body.map(fmt)];
  lines.push('', `${plural(totals.lines, 'line')}: ${n(totals.toRun)} to run, ${n(totals.invalid)} invalid. Estimates: prompts counted with the tokenizer, replies at their max_tokens (for lines that set none: ${defaultMaxTokens !== undefined ? `${defaultMaxTokens}, from --max-tokens` : `${DEFAULT_COMPLETION_RESERVE}, as the --tpm limiter assumes, though a reply may be longer`}); nothing was sent.`);
  return lines.join('\n') + '\n';
}
