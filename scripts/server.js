// Starts a server process that prints its base URL as the first stdout line (relay sim, and the
// benchmarks' canned peer); the demo and the benchmark scripts share it.
import { spawn } from 'node:child_process';

/** Resolves with { proc, url, origin, stop } once the first stdout line arrived. */
export function startServer(cmd, argv, { stderr = 'ignore', onSpawn } = {}) {
  const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', stderr] });
  onSpawn?.(proc);
  return new Promise((ok, fail) => {
    let out = '';
    proc.stdout.setEncoding('utf8');
    const onData = (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      proc.stdout.off('data', onData);
      proc.stdout.resume();
      const url = out.slice(0, nl).trim();
      ok({ proc, url, origin: new URL(url).origin, stop: () => { proc.kill('SIGTERM'); } });
    };
    proc.stdout.on('data', onData);
    proc.once('exit', (code) => fail(new Error(`${argv.join(' ')} exited with ${code} before printing its URL`)));
  });
}
