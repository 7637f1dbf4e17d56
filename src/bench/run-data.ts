import type { Counts, HistogramSet } from './recorder.js';

// What one run (or several merged runs) leaves behind: enough to build every report, and
// nothing that depends on how it was gathered.

export interface TargetInfo {
  name: string;
  url: string;
  region?: string;
  via?: 'direct' | 'relay';
  /** From the config (`simulated: true`); replies carrying the sim's marker header also count. */
  simulated: boolean;
}

export interface TargetData extends TargetInfo {
  counts: Counts;
  histograms: HistogramSet;
}

export interface LoadSummary {
  mode: 'closed' | 'open';
  concurrency: number;
  /** Open loop target, requests/s over all targets. */
  rate?: number;
  arrival?: 'constant' | 'poisson';
  sent: number;
  delayedByCap: number;
  achievedRate?: number;
  /** Epoch ms of the first and the last send: so merged runs' rate is reckoned as one run's. */
  firstSendEpochMs?: number;
  lastSendEpochMs?: number;
}

export interface RunData {
  relayVersion: string;
  seed: number;
  /** The settings that produced the run (no keys, no header values). */
  config: Record<string, unknown>;
  /** Epoch ms when the measured phase began, and how long it lasted. */
  startMs: number;
  durationMs: number;
  stream: boolean;
  load: LoadSummary;
  targets: TargetData[];
  interrupted: boolean;
  /** Requests in flight when the run was interrupted: not counted anywhere else. */
  cutOff?: number;
  /** Present when the data came from `relay bench merge`: the folders read. */
  mergedFrom?: string[];
}
