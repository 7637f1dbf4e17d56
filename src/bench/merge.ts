import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { usageError } from '../core/errors.js';
import { logFileName, readIntervalLog } from './hlog.js';
import { METRIC_NAMES, type MetricName } from './metrics.js';
import { addCounts, emptyCounts, newHistogramSet, type Counts } from './recorder.js';
import type { RunData, TargetData, TargetInfo } from './run-data.js';

// `--hdr-log DIR` leaves the interval logs plus run.json (counts, targets, seed, config);
// `relay bench merge DIR...` adds several such folders up, target by target and bucket by
// bucket, into one RunData, from which the same report code builds the same report.

export const MANIFEST = 'run.json';
const FORMAT = 'relay-bench-hlog/1';

interface ManifestTarget extends TargetInfo {
  counts: Counts;
  logs: Partial<Record<MetricName, string>>;
}

/** What a run's folder says about it: the run's own fields, with each target's log files. */
type Manifest = Omit<RunData, 'targets'> & { format: string; targets: ManifestTarget[] };

export function writeManifest(dir: string, run: RunData): void {
  const m: Manifest = {
    format: FORMAT, relayVersion: run.relayVersion, seed: run.seed, config: run.config, startMs: run.startMs, durationMs: run.durationMs,
    stream: run.stream, load: run.load, interrupted: run.interrupted,
    targets: run.targets.map((t) => ({
      name: t.name, url: t.url, region: t.region, via: t.via, simulated: t.simulated, counts: t.counts,
      logs: Object.fromEntries(METRIC_NAMES.filter((n) => t.histograms[n].totalCount > 0).map((n) => [n, logFileName(t.name, n)])),
    })),
  };
  writeFileSync(join(dir, MANIFEST), JSON.stringify(m, null, 2) + '\n');
}

/** Folders holding a run.json: the given ones, or their immediate subfolders (one per machine). */
export function findRunDirs(dirs: string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    if (!existsSync(d) || !statSync(d).isDirectory()) throw usageError(`${d} is not a folder; pass folders written by relay bench --hdr-log DIR`);
    if (existsSync(join(d, MANIFEST))) { out.push(d); continue; }
    const subs = readdirSync(d).map((s) => join(d, s)).filter((s) => existsSync(join(s, MANIFEST))).sort();
    if (subs.length === 0) throw usageError(`${d} has no ${MANIFEST}: pass folders written by relay bench --hdr-log DIR`);
    out.push(...subs);
  }
  return out;
}

function readManifest(dir: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch (e) {
    throw usageError(`cannot read ${join(dir, MANIFEST)}: ${(e as Error).message}`);
  }
  if (m.format !== FORMAT) throw usageError(`${join(dir, MANIFEST)} is not a relay bench log manifest (format ${String(m.format)})`);
  return m;
}

export function mergeRuns(dirs: string[], seed?: number): RunData {
  const runDirs = findRunDirs(dirs);
  const manifests = runDirs.map(readManifest);
  const first = manifests[0]!;
  const byName = new Map<string, TargetData>();
  for (const [i, m] of manifests.entries()) {
    if (m.stream !== first.stream) throw usageError(`${runDirs[i]} was a ${m.stream ? 'streaming' : 'non-streaming'} run and ${runDirs[0]} was not: merge runs of one kind`);
    for (const t of m.targets) {
      let into = byName.get(t.name);
      if (!into) {
        into = { name: t.name, url: t.url, region: t.region, via: t.via, simulated: t.simulated, counts: emptyCounts(), histograms: newHistogramSet() };
        byName.set(t.name, into);
      }
      into.simulated ||= t.simulated;
      addCounts(into.counts, t.counts);
      for (const [metric, file] of Object.entries(t.logs) as Array<[MetricName, string]>) {
        const path = join(runDirs[i]!, file);
        if (!existsSync(path)) throw usageError(`${path} is missing (listed in ${join(runDirs[i]!, MANIFEST)})`);
        const log = readIntervalLog(readFileSync(path, 'utf8'));
        into.histograms[metric].add(log.histogram);
        log.histogram.destroy();
      }
    }
  }
  const start = Math.min(...manifests.map((m) => m.startMs));
  const end = Math.max(...manifests.map((m) => m.startMs + m.durationMs));
  const sent = manifests.reduce((a, m) => a + m.load.sent, 0);
  // One run: its own duration (start + duration - start is not exact in floating point).
  const durationMs = manifests.length === 1 ? first.durationMs : end - start;
  const open = first.load.mode === 'open';
  return {
    relayVersion: first.relayVersion,
    seed: seed ?? first.seed,
    config: first.config,
    startMs: start,
    durationMs,
    stream: first.stream,
    load: manifests.length === 1 ? first.load : {
      ...first.load,
      rate: open ? manifests.reduce((a, m) => a + (m.load.rate ?? 0), 0) : undefined,
      sent,
      delayedByCap: manifests.reduce((a, m) => a + m.load.delayedByCap, 0),
      achievedRate: open ? mergedRate(manifests, sent, durationMs) : undefined,
    },
    targets: [...byName.values()],
    interrupted: manifests.some((m) => m.interrupted),
    mergedFrom: runDirs,
  };
}

/**
 * Open loop over all runs, as one run reckons it: (sent - 1) over the span from the first send to
 * the last. Manifests written before runs logged their send times: sent over the whole span.
 */
function mergedRate(manifests: Manifest[], sent: number, durationMs: number): number | undefined {
  const firsts = manifests.map((m) => m.load.firstSendEpochMs);
  const lasts = manifests.map((m) => m.load.lastSendEpochMs);
  if (firsts.every((x) => x !== undefined) && lasts.every((x) => x !== undefined)) {
    const span = Math.max(...(lasts as number[])) - Math.min(...(firsts as number[]));
    return sent > 1 && span > 0 ? ((sent - 1) * 1000) / span : undefined;
  }
  return durationMs > 0 ? (sent * 1000) / durationMs : undefined;
}
