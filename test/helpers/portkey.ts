import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// The Portkey AI gateway (@portkey-ai/gateway, a dev dependency) as a real relay in front of
// relay sim. Its server listens on every interface and takes only --port; a preloaded module
// forces 127.0.0.1 and reports the port it bound (we pass --port=0 for a free one).

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const PORTKEY_ENTRY = resolve(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js');
const PRELOAD = resolve(ROOT, 'test/helpers/loopback-listen.mjs');

export interface StartedGateway {
  /** http://127.0.0.1:PORT/v1 */
  url: string;
  stop(): Promise<void>;
}

export function portkeyInstalled(): boolean {
  return existsSync(PORTKEY_ENTRY);
}

export function startPortkey(timeoutMs = 20_000): Promise<StartedGateway> {
  const proc = spawn(process.execPath, ['--import', PRELOAD, PORTKEY_ENTRY, '--port=0', '--headless'], {
    cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_ENV: 'production' },
  });
  let err = '';
  proc.stderr!.setEncoding('utf8');
  const stop = () => new Promise<void>((done) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return done();
    const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => { clearTimeout(kill); done(); });
    proc.kill('SIGTERM');
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => { void stop(); fail(new Error(`Portkey gateway did not start within ${timeoutMs} ms: ${err}`)); }, timeoutMs);
    proc.once('exit', (code) => { clearTimeout(timer); fail(new Error(`Portkey gateway exited with ${code}: ${err}`)); });
    proc.stderr!.on('data', (d: string) => {
      err += d;
      const m = /LISTENING (\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        ok({ url: `http://127.0.0.1:${m[1]}/v1`, stop });
      }
    });
  });
}
