import { spawn, type ChildProcess } from 'node:child_process';
import { RELAY_BIN } from './sim.js';

// Runs the real bin/relay.js (compiled dist/) as a user would, keeping stdout, stderr and the
// exit code apart. The environment is cleaned of anything that could point relay elsewhere.

export interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, then stdin is closed; without it stdin is /dev/null (not a TTY). */
  input?: string;
  cwd?: string;
  /** Kill with SIGKILL after this many ms (default 60 000): a hung process fails the test, not the suite. */
  timeout?: number;
}

export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(RELAY_|OPENAI_|FORCE_COLOR|NO_COLOR)/.test(k)) delete env[k];
  }
  return { ...env, RELAY_CONFIG: '', ...extra };
}

export interface StartedRelay {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout has received `text` (rejects if the process exits first). */
  waitForStdout(text: string | RegExp): Promise<void>;
  done: Promise<RunResult>;
}

export function startRelay(args: string[], opts: RunOptions = {}): StartedRelay {
  const proc = spawn(process.execPath, [RELAY_BIN, ...args], {
    cwd: opts.cwd,
    env: cleanEnv(opts.env),
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<{ test: (s: string) => boolean; resolve: () => void }> = [];
  proc.stdout!.setEncoding('utf8');
  proc.stderr!.setEncoding('utf8');
  proc.stdout!.on('data', (d: string) => {
    out += d;
    for (const w of [...waiters]) if (w.test(out)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
  });
  proc.stderr!.on('data', (d: string) => { err += d; });
  if (opts.input !== undefined) proc.stdin!.end(opts.input);
  const killer = setTimeout(() => proc.kill('SIGKILL'), opts.timeout ?? 60_000);
  const done = new Promise<RunResult>((resolve) => {
    proc.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    waitForStdout: (text) => new Promise<void>((resolve, reject) => {
      const test = (s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s));
      if (test(out)) return resolve();
      waiters.push({ test, resolve });
      void done.then((r) => reject(new Error(`relay exited (${r.code}) before stdout had ${String(text)}; stderr: ${r.stderr}`)));
    }),
    done,
  };
}

export function runRelay(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return startRelay(args, opts).done;
}
