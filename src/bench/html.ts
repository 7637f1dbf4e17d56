import { valueAt } from './hdr.js';
import { ms, num, pct } from './format.js';
import { METRICS, type MetricName } from './metrics.js';
import type { BenchReport } from './report.js';
import type { RunData } from './run-data.js';

// A self-contained HTML report: inline CSS and SVG, no scripts, no network. One percentile
// distribution plot per metric (x: percentile on the usual 1/(1-p) log scale; y: value), with
// direct targets drawn solid and relay targets dashed in their region's colour.

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
const W = 720;
const H = 300;
const PAD = { l: 64, r: 16, t: 16, b: 40 };

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Line { name: string; colour: string; dashed: boolean; points: Array<[number, number]> }

function lines(run: RunData, metric: MetricName): Line[] {
  const regions = [...new Set(run.targets.map((t) => t.region ?? t.name))];
  return run.targets.filter((t) => t.histograms[metric].totalCount > 0).map((t) => {
    const h = t.histograms[metric];
    const maxX = Math.min(5, Math.log10(h.totalCount));
    const points: Array<[number, number]> = [];
    for (let x = 0; x <= maxX + 1e-9; x += 0.05) points.push([x, valueAt(h, x === 0 ? 0 : (1 - 10 ** -x) * 100)]);
    points.push([maxX, valueAt(h, 100)]);
    return { name: t.name, colour: COLOURS[regions.indexOf(t.region ?? t.name) % COLOURS.length]!, dashed: t.via === 'relay', points };
  });
}

function plot(title: string, unit: string, ls: Line[]): string {
  const maxX = Math.max(1, ...ls.flatMap((l) => l.points.map((p) => p[0])));
  const maxY = Math.max(1e-3, ...ls.flatMap((l) => l.points.map((p) => p[1]))) * 1.05;
  const sx = (x: number) => PAD.l + (x / maxX) * (W - PAD.l - PAD.r);
  const sy = (y: number) => H - PAD.b - (y / maxY) * (H - PAD.t - PAD.b);
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">`;
  svg += `<rect x="${PAD.l}" y="${PAD.t}" width="${W - PAD.l - PAD.r}" height="${H - PAD.t - PAD.b}" fill="none" stroke="#ccc"/>`;
  for (let x = 0; x <= Math.floor(maxX); x++) {
    const label = x === 0 ? '0%' : `${+(100 - 100 / 10 ** x).toFixed(x)}%`;
    svg += `<line x1="${sx(x)}" x2="${sx(x)}" y1="${PAD.t}" y2="${H - PAD.b}" stroke="#eee"/><text x="${sx(x)}" y="${H - PAD.b + 16}" font-size="11" text-anchor="middle">${label}</text>`;
  }
  for (let k = 0; k <= 4; k++) {
    const y = (maxY / 4) * k;
    svg += `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/><text x="${PAD.l - 6}" y="${sy(y) + 4}" font-size="11" text-anchor="end">${num(y)}</text>`;
  }
  svg += `<text x="${(W + PAD.l) / 2}" y="${H - 6}" font-size="11" text-anchor="middle">percentile</text>`;
  svg += `<text x="14" y="${H / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 14 ${H / 2})">${esc(unit)}</text>`;
  for (const l of ls) {
    const d = l.points.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
    svg += `<path d="${d}" fill="none" stroke="${l.colour}" stroke-width="2"${l.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${esc(l.name)}</title></path>`;
  }
  svg += '</svg>';
  const legend = ls.map((l) => `<span class="key"><svg width="28" height="10"><line x1="0" x2="28" y1="5" y2="5" stroke="${l.colour}" stroke-width="2"${l.dashed ? ' stroke-dasharray="6 4"' : ''}/></svg> ${esc(l.name)}</span>`).join(' ');
  return `<figure><figcaption>${esc(title)}</figcaption>${svg}<div class="legend">${legend}</div></figure>`;
}

function table(head: string[], rows: string[][]): string {
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${
    rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export function htmlReport(report: BenchReport, run: RunData): string {
  const simulated = report.targets.filter((t) => t.simulated).map((t) => t.name);
  let body = `<h1>relay bench</h1><p>relay ${esc(report.relay.version)} · started ${esc(report.startedAt)} · ${num(report.durationS)} s · seed ${esc(report.seed)} · ${esc(report.load.mode)} loop</p>`;
  if (simulated.length) body += `<p class="sim">Simulated endpoints (relay sim): ${esc(simulated.join(', '))}. Their numbers describe the simulator, not a provider.</p>`;
  if (report.interrupted) body += '<p class="sim">Interrupted: partial results.</p>';
  if (report.pairs.length) {
    body += '<h2>Direct vs relay</h2><ul>' + report.pairs.map((p) => `<li>${esc(p.verdict)}${p.simulated ? ' [simulated]' : ''}</li>`).join('') + '</ul>';
    body += table(['Region', 'Metric', 'Direct p50', 'Relay p50', 'Direct p99', 'Relay p99', 'p50 verdict', 'p99 verdict'],
      report.pairs.flatMap((p) => Object.entries(p.metrics).map(([m, x]) => [p.region, METRICS[m as MetricName].label, ms(x?.p50?.directMs), ms(x?.p50?.relayMs),
        ms(x?.p99?.directMs), ms(x?.p99?.relayMs), x?.p50?.verdict ?? '-', x?.p99?.verdict ?? '-'])));
  }
  body += '<h2>Requests</h2>' + table(['Target', 'URL', 'Requests', 'Errors', 'By code', 'req/s', 'out tok/s'],
    report.targets.map((t) => [t.name + (t.simulated ? ' [simulated]' : ''), t.url, String(t.requests), `${t.errors} (${pct(t.errorRate * 100)})`,
      Object.entries(t.errorsByCode).map(([k, v]) => `${k}: ${v}`).join(', ') || '-', num(t.throughput.requestsPerSec), num(t.throughput.outputTokensPerSec)]));
  for (const m of Object.keys(report.definitions) as MetricName[]) {
    const ls = lines(run, m);
    if (ls.length === 0) continue;
    const info = METRICS[m];
    body += `<h2>${esc(info.label)}</h2><p class="def">${esc(info.definition)}</p>`;
    body += plot(`${info.label} percentile distribution`, info.unit, ls);
    body += table(['Target', 'count', 'p50', 'p90', 'p95', 'p99', 'p99.9', 'max', 'mean'],
      report.targets.filter((t) => (t.metrics[m]?.count ?? 0) > 0).map((t) => {
        const s = t.metrics[m]!;
        return [t.name, String(s.count), ...[s.p50, s.p90, s.p95, s.p99, s.p999, s.max, s.mean].map((v) => (v === null ? '-' : num(v)))];
      }));
  }
  body += `<h2>Configuration</h2><pre>${esc(JSON.stringify({ seed: report.seed, relay: report.relay.version, config: report.config, load: report.load }, null, 2))}</pre>`;
  const css = 'body{font:14px system-ui,sans-serif;margin:2em;max-width:60em;color:#222}table{border-collapse:collapse;margin:.5em 0}'
    + 'td,th{border:1px solid #ddd;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}'
    + '.sim{background:#fff3cd;padding:.5em}.def{color:#666}.legend{font-size:12px}.key{margin-right:1em}figure{margin:0}pre{background:#f6f6f6;padding:1em;overflow:auto}';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>relay bench ${esc(report.startedAt)}</title><style>${css}</style></head><body>${body}</body></html>\n`;
}
