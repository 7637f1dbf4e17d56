import { mkdtempSync, readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Helpers for batch end-to-end tests: files in a fresh temporary folder, output read back, and
// the simulator's own counters (what actually reached the server).

export function tempDir(prefix = 'relay-batch-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeJsonl(path: string, rows: unknown[]): string {
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return path;
}

export function prompts(n: number, prefix = 'q'): Array<{ id: string; prompt: string }> {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, prompt: `Question ${i}: what is ${i} plus ${i}?` }));
}

export interface OutLine {
  custom_id: string;
  response: { status_code: number; request_id: string | null; body: any } | null;
  error: { code: string; message: string } | null;
  relay: { attempts: number; attempt_log?: Array<{ status: number; error: string | null }>; unknown_outcome_attempts?: number; [k: string]: any };
}

/** Every line of an output file, parsed (a torn line would throw: the tests want to know). */
export function readOut(path: string): OutLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as OutLine);
}

/** Lines in a file without parsing them (it may be mid-write). */
export function countLines(path: string): number {
  if (!existsSync(path) || statSync(path).size === 0) return 0;
  const text = readFileSync(path, 'utf8');
  let n = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** Polls until `check()` is true; fails after `timeoutMs` (the loop is bounded). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000, everyMs = 20): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export interface SimCounts { chatRequests: number; byStatus: Record<string, number>; faults: Record<string, number>; rateLimited: number; disconnects: number }

export async function simStats(origin: string, profile = 'default'): Promise<SimCounts> {
  const res = await fetch(`${origin}/__sim/stats`);
  const body = await res.json() as { profiles: Record<string, SimCounts> };
  return body.profiles[profile]!;
}

/** Each id's number of lines in an output file. */
export function idCounts(lines: OutLine[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l.custom_id, (m.get(l.custom_id) ?? 0) + 1);
  return m;
}
