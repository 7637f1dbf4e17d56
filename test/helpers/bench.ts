import { readFileSync } from 'node:fs';
import { newHistogram, record, summarize, type Summary } from '../../src/bench/hdr.js';

// Reading what `relay bench` wrote: --raw rows, and summaries rebuilt from them.

export interface RawRow {
  phase: string;
  seq: number;
  target: string;
  scheduled: number;
  sent: number;
  ttfb: number | null;
  ttft: number | null;
  e2e: number | null;
  tokens: number | null;
  status: string;
  error: string;
  requestId: string;
  sentEpoch: number;
}

export function readRaw(path: string): { comments: string[]; rows: RawRow[] } {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
  const comments = lines.filter((l) => l.startsWith('#'));
  const [head, ...body] = lines.filter((l) => !l.startsWith('#'));
  if (head !== 'phase,seq,target,scheduled_ms,sent_ms,ttfb_ms,ttft_ms,e2e_ms,output_tokens,status,error,request_id,sent_epoch_ms') throw new Error(`unexpected raw header: ${head}`);
  const n = (s: string) => (s === '' ? null : Number(s));
  return {
    comments,
    rows: body.map((l) => {
      const c = l.split(',');
      return { phase: c[0]!, seq: Number(c[1]), target: c[2]!, scheduled: Number(c[3]), sent: Number(c[4]), ttfb: n(c[5]!), ttft: n(c[6]!), e2e: n(c[7]!), tokens: n(c[8]!), status: c[9]!, error: c[10]!,
        requestId: c[11]!, sentEpoch: Number(c[12]) };
    }),
  };
}

/** The summary relay bench reports for a metric, rebuilt from raw rows (successful, measured ones). */
export function summaryFromRows(rows: RawRow[], metric: 'ttfb' | 'ttft' | 'e2e'): Summary {
  const h = newHistogram();
  for (const r of rows) if (r.phase === 'measure' && r.error === '' && r[metric] !== null) record(h, r[metric]!);
  return summarize(h);
}
