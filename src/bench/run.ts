import { performance } from 'node:perf_hooks';
import type { ChatRequest } from '../core/types.js';
import type { IntervalLogs } from './hlog.js';
import { RawWriter } from './csv.js';
import { TargetRecorder, type Sample } from './recorder.js';
import { runLoad, type LoadPlan } from './scheduler.js';
import type { Outcome, Send } from './send.js';
import type { RunData, TargetInfo } from './run-data.js';

// One benchmark run: warm-up, then the measured phase, every request through its target's Send.
// Emits events for progress; prints nothing. Files (raw rows, interval logs) are written as it goes.

export interface BenchTarget {
  info: TargetInfo;
  send: Send;
}

export type BenchEvent =
  | { type: 'phase'; phase: 'warmup' | 'measure'; total?: number; durationMs?: number }
  | { type: 'result'; sample: Sample }
  | { type: 'done' };

export interface RunOptions {
  targets: BenchTarget[];
  /** The next request body (seeded sampling of the workload). */
  nextRequest: () => ChatRequest;
  plan: Omit<LoadPlan, 'targets' | 'seed'>;
  warmup: number;
  stream: boolean;
  seed: number;
  config: Record<string, unknown>;
  relayVersion: string;
  rawPath?: string;
  rawHeader?: string;
  hdrLogDir?: string;
  signal?: AbortSignal;
  onEvent?: (e: BenchEvent) => void;
}

const INTERVAL_MS = 1000;

export async function runBench(o: RunOptions): Promise<RunData> {
  const recorders = o.targets.map(() => new TargetRecorder(o.stream, o.hdrLogDir !== undefined));
  const raw = o.rawPath ? new RawWriter(o.rawPath, o.rawHeader ?? '', o.stream) : undefined;
  // Loaded only when asked for: the encoder brings pako, base64 and a WebAssembly build along.
  const logs: IntervalLogs | undefined = o.hdrLogDir ? new (await import('./hlog.js')).IntervalLogs(o.hdrLogDir) : undefined;
  const open = o.plan.mode === 'open';
  let phaseT0 = performance.now();
  let warmup = true;
  let cutOff = 0;

  const exec = async (job: { seq: number; target: number; intended: number }): Promise<void> => {
    const target = o.targets[job.target]!;
    const isWarmup = warmup;
    let outcome: Outcome;
    try {
      outcome = await target.send(o.nextRequest(), o.signal);
    } catch (e) {
      // A Send is not supposed to throw; if one does, the request still counts (as an error).
      outcome = { ok: false, status: 0, code: `internal:${(e as Error)?.name ?? 'Error'}`, start: performance.now() };
    }
    // Cut off by Ctrl-C: neither a success nor the endpoint's failure, so not a sample at all.
    if (outcome.code === 'aborted' && o.signal?.aborted) {
      cutOff++;
      return;
    }
    const sample: Sample = {
      seq: job.seq, target: job.target, warmup: isWarmup, intended: isWarmup ? outcome.start - phaseT0 : job.intended,
      sent: outcome.start - phaseT0, openLoop: open && !isWarmup, outcome,
    };
    recorders[job.target]!.add(sample);
    raw?.write(sample, target.info.name);
    o.onEvent?.({ type: 'result', sample });
  };

  if (o.warmup > 0) {
    o.onEvent?.({ type: 'phase', phase: 'warmup', total: o.warmup * o.targets.length });
    phaseT0 = performance.now();
    // The open loop warms up at its own rate, so the pool ends up with the connections that rate needs.
    const pace = open ? { mode: 'open' as const, rate: o.plan.rate, arrival: o.plan.arrival } : { mode: 'closed' as const };
    await runLoad({ ...pace, targets: o.targets.length, perTarget: o.warmup, concurrency: o.plan.concurrency, seed: o.seed ^ 0x5eed }, exec, o.signal, phaseT0);
  }

  warmup = false;
  const perTarget = o.plan.perTarget;
  o.onEvent?.({ type: 'phase', phase: 'measure', total: perTarget !== undefined ? perTarget * o.targets.length : undefined, durationMs: o.plan.durationMs });
  phaseT0 = performance.now();
  const startMs = performance.timeOrigin + phaseT0;
  let lastFlush = phaseT0;
  const flush = () => {
    const now = performance.now();
    const from = (lastFlush - phaseT0) / 1000;
    const to = (now - phaseT0) / 1000;
    lastFlush = now;
    recorders.forEach((r, i) => {
      const info = o.targets[i]!.info;
      r.flush(logs && ((metric, h) => logs.write({ relayVersion: o.relayVersion, target: info.name, url: info.url, seed: o.seed, startMs }, metric, h, from, to)));
    });
  };
  const timer = setInterval(flush, INTERVAL_MS);
  let stats;
  try {
    stats = await runLoad({ ...o.plan, targets: o.targets.length, seed: o.seed }, exec, o.signal, phaseT0);
  } finally {
    clearInterval(timer);
    flush();
    // The raw file's header was written before any reply; its last line says which targets turned
    // out to be simulated (their replies carried the marker), as the JSON and CSV reports do.
    const simulated = o.targets.filter((t, i) => t.info.simulated || recorders[i]!.counts.simulatedReplies > 0).map((t) => t.info.name);
    await Promise.all([raw?.close(`# simulated targets (by config or by the replies' x-relay-sim header): ${simulated.length ? simulated.join(', ') : 'none'}\n`), logs?.close()]);
  }
  o.onEvent?.({ type: 'done' });

  return {
    relayVersion: o.relayVersion,
    seed: o.seed,
    config: o.config,
    startMs,
    durationMs: stats.elapsedMs,
    stream: o.stream,
    load: {
      mode: o.plan.mode, concurrency: o.plan.concurrency, rate: o.plan.rate, arrival: open ? o.plan.arrival ?? 'constant' : undefined,
      sent: stats.sent, delayedByCap: stats.delayedByCap, achievedRate: stats.achievedRate,
      ...(stats.sent ? { firstSendEpochMs: startMs + stats.firstSendMs, lastSendEpochMs: startMs + stats.lastSendMs } : {}),
    },
    targets: o.targets.map((t, i) => ({
      ...t.info,
      // The replies' marker header counts as much as the config's flag; the config echo agrees.
      simulated: (t.info.simulated ||= recorders[i]!.counts.simulatedReplies > 0),
      counts: recorders[i]!.counts,
      histograms: recorders[i]!.totals,
    })),
    interrupted: Boolean(o.signal?.aborted),
    ...(cutOff ? { cutOff } : {}),
  };
}
