// The truth of each request of a benchmark run against relay sim: the simulator logs when each
// reply's first token and last byte left (GET /__sim/requests, epoch ms), relay bench's raw rows
// log when each request was sent on the same clock and the server's request id. So a request's
// true TTFT is (first token left - sent), its true E2E (last byte left - sent), and relay bench's
// error is what it reported minus that. Used by scripts/bench-bench.js.
import { readFileSync } from 'node:fs';

/** Nearest-rank percentile of sorted values. */
function pct(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  return { min: s[0] ?? NaN, p50: pct(s, 50), p99: pct(s, 99), max: s.at(-1) ?? NaN };
}

/**
 * @param rawPath  relay bench --raw file
 * @param served   GET /__sim/requests of the profile: [{ id, firstTokenMs, lastByteMs, firstTokenWriteMs, lastByteWriteMs }]
 *
 * `early` counts requests whose reported figure is under the time the simulator began the write
 * (less 0.5 ms for the two processes' readings of the clock): a client cannot see a byte sooner.
 */
export function requestTruth(rawPath, served) {
  const byId = new Map(served.map((x) => [x.id, x]));
  const lines = readFileSync(rawPath, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
  const col = Object.fromEntries(lines[0].split(',').map((name, i) => [name, i]));
  const truth = { ttft: [], e2e: [] };
  const error = { ttft: [], e2e: [] };
  const early = { ttft: 0, e2e: 0 };
  let measured = 0;
  for (const line of lines.slice(1)) {
    const c = line.split(',');
    if (c[col.phase] !== 'measure' || c[col.error] !== '') continue;
    measured++;
    const s = byId.get(c[col.request_id]);
    if (!s) continue;
    const sent = Number(c[col.sent_epoch_ms]);
    for (const [metric, left, began] of [['ttft', s.firstTokenMs, s.firstTokenWriteMs], ['e2e', s.lastByteMs, s.lastByteWriteMs]]) {
      const reported = Number(c[col[`${metric}_ms`]]);
      truth[metric].push(left - sent);
      error[metric].push(reported - (left - sent));
      if (reported < began - sent - 0.5) early[metric]++;
    }
  }
  return {
    measured,
    matched: truth.ttft.length,
    truth: { ttft: summary(truth.ttft), e2e: summary(truth.e2e) },
    error: { ttft: summary(error.ttft), e2e: summary(error.e2e) },
    early,
  };
}
