import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

// Starts the real `relay sim` (compiled dist/, so build first) on a free loopback port.
// The simulator prints its base URL as the first stdout line; everything else goes to stderr.

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const RELAY_BIN = resolve(ROOT, 'bin/relay.js');

export interface SpawnedSim {
  /** Base URL of the default path, e.g. http://127.0.0.1:43121/v1 */
  url: string;
  /** http://127.0.0.1:43121 (no path): control API lives under `${origin}/__sim/`. */
  origin: string;
  /** Base URL of a named profile (`/NAME/v1`), or the default one. */
  baseUrl(profile?: string): string;
  proc: ChildProcess;
  /** Everything the simulator wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then wait for exit; resolves with the exit code (SIGKILL after 5 s). */
  stop(): Promise<number | null>;
}

export interface SpawnSimOptions {
  env?: NodeJS.ProcessEnv;
  /** Milliseconds to wait for the URL line (default 15 000). */
  startTimeout?: number;
}

export function spawnSim(args: string[] = [], opts: SpawnSimOptions = {}): Promise<SpawnedSim> {
  const hasPort = args.includes('--port') || args.some((a) => a.startsWith('--port='));
  const argv = [RELAY_BIN, 'sim', ...(hasPort ? [] : ['--port', '0']), ...args];
  const proc = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (d: string) => { err += d; });
  // 'close' (not 'exit'): by then stderr has been read to the end.
  const exited = new Promise<number | null>((res) => proc.once('close', (code) => res(code)));

  const stop = async (): Promise<number | null> => {
    if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
    proc.kill('SIGTERM');
    const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(kill);
    return code;
  };

  return new Promise<SpawnedSim>((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`relay sim did not print its URL within ${opts.startTimeout ?? 15000} ms; stderr: ${err}`));
    }, opts.startTimeout ?? 15_000);
    proc.stdout!.setEncoding('utf8');
    const onData = (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      proc.stdout!.off('data', onData);
      proc.stdout!.resume();
      const url = out.slice(0, nl).trim();
      const origin = new URL(url).origin;
      resolvePromise({
        url,
        origin,
        baseUrl: (profile?: string) => (profile && profile !== 'default' ? `${origin}/${profile}/v1` : url),
        proc,
        stderr: () => err,
        stop,
      });
    };
    proc.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`relay sim exited with code ${code} before printing its URL; stderr: ${err}`));
    });
  });
}

/** POST a chat request to `${base}/chat/completions`. */
export function postChat(base: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

/** The `data:` payloads of an SSE body, in order (test-side reader; LF framing as the sim writes it). */
export async function sseData(res: Response): Promise<string[]> {
  const text = await res.text();
  return text.split('\n\n').filter((e) => e.trim() !== '').map((e) => {
    const lines = e.split('\n').filter((l) => l.startsWith('data:'));
    return lines.map((l) => l.slice(5).replace(/^ /, '')).join('\n');
  });
}

/** Poll `check` every 10 ms until it is true; throws after `timeoutMs` (default 5 s). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
