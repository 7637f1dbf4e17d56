import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import hdr from 'hdr-histogram-js';
import { makeDirs } from '../core/make-dirs.js';
import { writeFailed } from '../core/errors.js';
import { newHistogram, type Histogram } from './hdr.js';
import { METRICS, type MetricName } from './metrics.js';

// HdrHistogram interval logs: the standard text format (log format version 1.3, as written by
// HdrHistogram's HistogramLogWriter in Java and JS), one file per target and metric, one line per
// 1-second interval with a base64 compressed histogram. Interval timestamps are seconds after the
// StartTime comment, so logs from several machines can be lined up and added bucket for bucket.

export interface LogHeader {
  relayVersion: string;
  target: string;
  url: string;
  seed: number;
  /** Epoch ms of the run start. */
  startMs: number;
}

/** A file-system-safe file name for a target's metric log. */
export function logFileName(target: string, metric: MetricName): string {
  const safe = target.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || 'target';
  return `${safe}.${metric}.hlog`;
}

export class IntervalLogs {
  private readonly files = new Map<string, WriteStream>();
  private error: Error | undefined;

  constructor(private readonly dir: string) {
    makeDirs(dir);
  }

  /** Appends one interval; the file is opened (and its header written) on first use. */
  write(header: LogHeader, metric: MetricName, h: Histogram, fromSec: number, toSec: number): string {
    const name = logFileName(header.target, metric);
    let out = this.files.get(name);
    if (!out) {
      out = createWriteStream(join(this.dir, name));
      out.on('error', (e) => { this.error ??= e; });
      this.files.set(name, out);
      const start = header.startMs / 1000;
      const unit = METRICS[metric].unit === 'ms' ? 'microseconds' : 'milli-tokens per second';
      out.write('#[Histogram log format version 1.3]\n'
        + `#[relay ${header.relayVersion} bench: target ${header.target} ${header.url} metric ${metric} values in ${unit} seed ${header.seed}]\n`
        + `#[StartTime: ${start.toFixed(3)} (seconds since epoch), ${new Date(header.startMs).toISOString()}]\n`
        + '"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"\n');
    }
    const stream = out;
    // Interval_Max is given in ms (values / 1000), as HdrHistogram's own tools print latency logs.
    new hdr.HistogramLogWriter((line: string) => { stream.write(line); }).outputIntervalHistogram(h, fromSec, toSec, 1000);
    return name;
  }

  async close(): Promise<void> {
    await Promise.all([...this.files.values()].map((f) => new Promise<void>((resolve) => f.end(resolve))));
    if (this.error) throw writeFailed(this.dir, this.error);
  }
}

export interface ReadLog {
  histogram: Histogram;
  intervals: number;
  /** Epoch ms from the StartTime comment, when present. */
  startMs?: number;
}

/** Adds up every interval of one log into one histogram. */
export function readIntervalLog(text: string): ReadLog {
  const reader = new hdr.HistogramLogReader(text, 32);
  const total = newHistogram();
  let intervals = 0;
  for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) {
    total.add(h);
    h.destroy();
    intervals++;
  }
  const m = /^#\[StartTime: ([0-9.]+)/m.exec(text);
  return { histogram: total, intervals, startMs: m ? Number(m[1]) * 1000 : undefined };
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(base64: string): Histogram {
  const decoded = hdr.decodeFromCompressedBase64(base64, 32);
  // Re-home into our own range so adding it to other histograms never needs a resize.
  const h = newHistogram();
  h.add(decoded);
  decoded.destroy();
  return h;
}
