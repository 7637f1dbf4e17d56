import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

// Runs the real `relay` binary (compiled dist/, so build first) and keeps stdout, stderr and the
// exit code apart, as the cost e2e tests check each on its own.

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const RELAY_BIN = resolve(ROOT, 'bin/relay.js');
export const COST_FIXTURES = resolve(ROOT, 'fixtures/cost');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runRelay(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const env = { ...process.env, NO_COLOR: '1', ...opts.env };
  delete env.RELAY_CONFIG;
  if (opts.env?.RELAY_CONFIG) env.RELAY_CONFIG = opts.env.RELAY_CONFIG;
  const proc = spawn(process.execPath, [RELAY_BIN, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  proc.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  proc.stdin.end(opts.input ?? '');
  return new Promise((res, rej) => {
    proc.once('error', rej);
    proc.once('close', (code) => res({ code, stdout, stderr }));
  });
}

export { parseCsv } from './cost-csv.js';
