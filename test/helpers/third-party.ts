import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Third-party OpenAI-compatible servers started on loopback for tests: they prove relay works
// with servers we did not write.

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export interface Started { url: string; proc: ChildProcess; stop(): Promise<void> }

async function waitForHttp(url: string, proc: ChildProcess, log: () => string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`server exited early: ${log()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100)); // polling a port that has no event to await
    }
  }
  throw new Error(`server at ${url} did not come up: ${log()}`);
}

function stopper(proc: ChildProcess): () => Promise<void> {
  return () => new Promise((res) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return res();
    proc.once('exit', () => res());
    proc.kill('SIGTERM');
  });
}

/** @dwmkerr/mock-llm, an echo server, with an optional YAML config. */
export async function startMockLlm(configYaml?: string): Promise<Started> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'relay-mockllm-'));
  const args = [join(ROOT, 'node_modules/@dwmkerr/mock-llm/dist/main.js')];
  if (configYaml) {
    writeFileSync(join(dir, 'mock-llm.yaml'), configYaml);
    args.push('--config', join(dir, 'mock-llm.yaml'));
  }
  const proc = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (d) => { log += d; });
  proc.stderr!.on('data', (d) => { log += d; });
  await waitForHttp(`http://127.0.0.1:${port}/health`, proc, () => log);
  return { url: `http://127.0.0.1:${port}/v1`, proc, stop: stopper(proc) };
}
