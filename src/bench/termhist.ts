import type { Style } from '../output/style.js';
import { bucketsOf, type Histogram } from './hdr.js';

// A distribution per target in the terminal: 12 bins from the target's own 0.5th to 99.5th
// percentile (the outermost bins also hold what lies beyond), so each shape is visible even when
// targets differ by far more than their spread.

const BINS = 12;
const BAR = 40;

export function terminalHistograms(title: string, items: Array<{ name: string; h: Histogram }>, style: Style): string {
  const data = items.map((i) => ({ name: i.name, b: bucketsOf(i.h) })).filter((d) => d.b.total > 0);
  if (data.length === 0) return '';
  let out = `\n${style.bold(title)}\n`;
  for (const { name, b } of data) {
    const lo = valueAtQ(b.values, b.cumulative, b.total, 0.005);
    let hi = valueAtQ(b.values, b.cumulative, b.total, 0.995);
    if (hi <= lo) hi = lo + Math.max(0.01, lo * 0.01);
    const width = (hi - lo) / BINS;
    const counts = new Array<number>(BINS).fill(0);
    let prev = 0;
    for (let i = 0; i < b.values.length; i++) {
      const n = b.cumulative[i]! - prev;
      prev = b.cumulative[i]!;
      const k = Math.min(BINS - 1, Math.max(0, Math.floor((b.values[i]! - lo) / width)));
      counts[k]! += n;
    }
    const peak = Math.max(...counts);
    // Decimals enough for the bin width to show (to about two digits): no two bins carry one label.
    const decimals = Math.min(3, Math.max(0, Math.ceil(-Math.log10(width)) + 1));
    const edge = (v: number) => v.toFixed(decimals);
    out += `${name}\n`;
    for (let k = 0; k < BINS; k++) {
      const from = lo + k * width;
      const label = k === 0 ? `< ${edge(from + width)}` : k === BINS - 1 ? `>= ${edge(from)}` : `${edge(from)}-${edge(from + width)}`;
      const bar = '█'.repeat(Math.round((counts[k]! / peak) * BAR));
      out += `  ${label.padStart(17)} ms │${style.accent(bar)} ${counts[k]}\n`;
    }
  }
  return out;
}

function valueAtQ(values: Float64Array, cumulative: Float64Array, total: number, q: number): number {
  const k = Math.max(1, Math.ceil(q * total));
  for (let i = 0; i < values.length; i++) if (cumulative[i]! >= k) return values[i]!;
  return values[values.length - 1]!;
}
