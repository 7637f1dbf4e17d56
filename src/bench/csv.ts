import { createWriteStream, type WriteStream } from 'node:fs';
import { writeFailed } from '../core/errors.js';
import { fixed3 } from './format.js';
import type { BenchReport } from './report.js';
import type { Sample } from './recorder.js';

// CSV for spreadsheets: RFC 4180 quoting, and text cells that a spreadsheet would run as a
// formula (= + - @ TAB CR, shared case R33) get a leading apostrophe. Numbers stay numbers.
// Header comments (`# ...`) carry the seed, config and relay's version so a run can be repeated.

export function cell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function row(values: Array<string | number | boolean | null | undefined>): string {
  return values.map(cell).join(',') + '\n';
}

export function headerComments(report: Pick<BenchReport, 'relay' | 'seed' | 'config'>, what: string): string {
  return `# relay ${report.relay.version} bench ${what}\n# seed ${report.seed}\n# config ${JSON.stringify(report.config)}\n`;
}

export const SUMMARY_COLUMNS = [
  'target', 'url', 'region', 'via', 'simulated', 'metric', 'unit', 'count', 'min', 'p50', 'p90', 'p95', 'p99', 'p999', 'max', 'mean',
  'requests', 'errors', 'error_rate',
];

export function summaryCsv(report: BenchReport): string {
  let out = headerComments(report, 'summary (times in ms)') + row(SUMMARY_COLUMNS);
  for (const t of report.targets) {
    for (const [metric, s] of Object.entries(t.metrics)) {
      out += row([t.name, t.url, t.region, t.via, t.simulated, metric, metric === 'tokensPerSec' ? 'tok/s' : 'ms', s.count,
        s.min, s.p50, s.p90, s.p95, s.p99, s.p999, s.max, s.mean, t.requests, t.errors, t.errorRate]);
    }
  }
  return out;
}

// request_id and sent_epoch_ms (the send on the wall clock, performance.timeOrigin-based) let a
// row be matched with the server's own log of the request.
export const RAW_COLUMNS = ['phase', 'seq', 'target', 'scheduled_ms', 'sent_ms', 'ttfb_ms', 'ttft_ms', 'e2e_ms', 'output_tokens', 'status', 'error',
  'request_id', 'sent_epoch_ms'];

/** Rows are handed to the file in batches: one write per row cost the timing thread a hop to
 * libuv's thread pool for every request, which showed in the latencies it measures at high rates. */
const BATCH_CHARS = 64 * 1024;
/** The file is complete up to this long before the last finished request (and whole at the end). */
const FLUSH_MS = 200;

/** One row per request, streamed to disk while the run goes on. */
export class RawWriter {
  private readonly out: WriteStream;
  private failure: Error | undefined;
  private pending = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly path: string, header: string, private readonly stream: boolean) {
    this.out = createWriteStream(path);
    this.out.on('error', (e) => { this.failure ??= e; });
    this.out.write(header + row(RAW_COLUMNS));
  }

  write(s: Sample, target: string): void {
    const o = s.outcome;
    this.pending += row([s.warmup ? 'warmup' : 'measure', s.seq, target, fixed3(s.intended), fixed3(s.sent), fixed3(o.ttfb),
      fixed3(this.stream ? o.ttft : undefined), fixed3(o.e2e), o.outputTokens ?? '', o.status || '', o.ok ? '' : o.code ?? 'unknown',
      o.requestId, fixed3(performance.timeOrigin + o.start)]);
    if (this.pending.length >= BATCH_CHARS) this.flush();
    else this.timer ??= setTimeout(this.flush, FLUSH_MS).unref();
  }

  private readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending === '') return;
    this.out.write(this.pending);
    this.pending = '';
  };

  async close(footer = ''): Promise<void> {
    this.flush();
    await new Promise<void>((resolve) => this.out.end(footer, resolve));
    if (this.failure) throw writeFailed(this.path, this.failure);
  }
}
