import type { Style } from '../output/style.js';
import { count, ms, pct, signedPct, num } from './format.js';
import { METRICS, type MetricName } from './metrics.js';
import type { BenchReport, PairReport, TargetReport } from './report.js';

// The text people read on stderr: comparison first (the question they came with), then every
// metric's percentiles, then counts. Returns strings; the command prints them.

type Align = 'l' | 'r';

export function renderTable(head: string[], rows: string[][], align: Align[], style: Style): string {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (align[i] === 'r' ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join('  ').trimEnd();
  return [style.bold(line(head)), ...rows.map(line)].join('\n') + '\n';
}

const simTag = (simulated: boolean) => (simulated ? ' [simulated]' : '');

function improvement(p: PairReport, m: MetricName): string {
  const d = p.metrics[m]?.p50;
  if (!d) return '-';
  if (d.diffMs === 0) return 'same';
  return `${d.diffMs < 0 ? 'faster' : 'slower'} ${ms(Math.abs(d.diffMs))} (${signedPct(-d.diffPct)})`;
}

export function comparisonTables(r: BenchReport, style: Style): string {
  if (r.pairs.length === 0) return '';
  const metrics = [...new Set(r.pairs.flatMap((p) => Object.keys(p.metrics) as MetricName[]))];
  let out = '';
  for (const m of metrics) {
    const sim = r.pairs.some((p) => p.simulated);
    out += `\n${style.bold(`${METRICS[m].label}: direct vs relay${simTag(sim)}`)}  ${style.dim('(improvement = relay vs direct at p50)')}\n`;
    const rows = r.pairs.map((p) => {
      const x = p.metrics[m];
      return [p.region + (p.simulated ? '*' : ''), ms(x?.p50?.directMs), ms(x?.p50?.relayMs), improvement(p, m), ms(x?.p99?.directMs), ms(x?.p99?.relayMs),
        `${pct(p.errorRate.direct * 100)} / ${pct(p.errorRate.relay * 100)}`];
    });
    out += renderTable(['Region', 'Direct p50', 'Relay p50', 'Improvement', 'Direct p99', 'Relay p99', 'Errors (d/r)'], rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'], style);
    for (const p of r.pairs) {
      const x = p.metrics[m];
      for (const d of [x?.p50, x?.p99]) if (d) out += style.dim(`  ${p.region}: ${d.verdict}`) + '\n';
    }
    if (sim) out += style.dim('  * simulated endpoints (relay sim): these numbers describe the simulator, not a provider') + '\n';
  }
  const few = r.targets.filter((t) => t.ok > 0 && t.ok < 100).map((t) => t.name);
  if (few.length) out += style.dim(`  p99 of fewer than 100 requests is close to their maximum (${few.join(', ')}): use -n 100 or more for a steady p99`) + '\n';
  return out;
}

function metricRows(targets: TargetReport[], m: MetricName): string[][] {
  const unit = METRICS[m].unit;
  const f = (v: number | null) => (v === null ? '-' : unit === 'ms' ? num(v) : num(v));
  return targets.filter((t) => t.metrics[m] && t.metrics[m]!.count > 0).map((t) => {
    const s = t.metrics[m]!;
    return [t.name + (t.simulated ? '*' : ''), count(s.count), f(s.p50), f(s.p90), f(s.p95), f(s.p99), f(s.p999), f(s.max), f(s.mean)];
  });
}

export function percentileTables(r: BenchReport, style: Style): string {
  let out = '';
  for (const m of Object.keys(r.definitions) as MetricName[]) {
    const rows = metricRows(r.targets, m);
    if (rows.length === 0) continue;
    out += `\n${style.bold(`${METRICS[m].label} (${METRICS[m].unit})`)}  ${style.dim(METRICS[m].definition)}\n`;
    out += renderTable(['Target', 'count', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'], style);
  }
  return out;
}

export function countsTable(r: BenchReport, style: Style): string {
  const rows = r.targets.map((t) => [
    t.name + (t.simulated ? '*' : ''), count(t.requests), count(t.ok), `${count(t.errors)} (${pct(t.errorRate * 100)})`,
    Object.entries(t.errorsByCode).map(([k, v]) => `${k}:${v}`).join(' ') || '-',
    num(t.throughput.requestsPerSec), num(t.throughput.outputTokensPerSec),
    t.warmup.requests ? `${t.warmup.requests}${t.warmup.errors ? ` (${t.warmup.errors} failed)` : ''}` : '-',
  ]);
  let out = `\n${style.bold('Requests')}  ${style.dim('(errors are counted in every rate; warm-up requests are kept out of all figures)')}\n`;
  out += renderTable(['Target', 'requests', 'ok', 'errors', 'by code', 'req/s', 'out tok/s', 'warm-up'], rows, ['l', 'r', 'r', 'r', 'l', 'r', 'r', 'r'], style);
  const estimated = r.targets.filter((t) => t.estimatedTokens > 0);
  for (const t of estimated) out += style.dim(`  ${t.name}: ${t.estimatedTokens} replies had no usage; their tokens were counted with the tokenizer`) + '\n';
  return out;
}

export function loadLine(r: BenchReport, style: Style): string {
  const l = r.load;
  const sims = r.targets.filter((t) => t.simulated).map((t) => t.name);
  let out = `\nrelay ${r.relay.version} bench, seed ${r.seed}, ${num(r.durationS)} s, `;
  if (l.mode === 'open') {
    out += `open loop: ${l.arrival} arrivals at ${num(l.rate ?? 0)} req/s, achieved ${l.achievedRate ? num(l.achievedRate) : '-'} req/s; `
      + `${count(l.delayedByCap)} of ${count(l.sent)} requests waited for the concurrency cap (${l.concurrency})`;
  } else {
    out += `closed loop: ${l.concurrency} in flight`;
  }
  if (r.mergedFrom) out += `; merged from ${r.mergedFrom.length} run${r.mergedFrom.length === 1 ? '' : 's'}`;
  if (r.interrupted) out += style.warn(`; interrupted: partial results${r.cutOff ? ` (${r.cutOff} requests in flight were cut off and are not counted)` : ''}`);
  out += '\n';
  if (sims.length) out += style.dim(`simulated targets: ${sims.join(', ')}`) + '\n';
  return out;
}
