import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimServer } from '../../src/sim/server.js';
import { simReplyText } from '../../src/sim/text.js';
import { cleanEnv } from '../helpers/relay.js';
import { RELAY_BIN } from '../helpers/sim.js';

// The REPL as a person uses it, through a pseudo-terminal (Python's pty module).

const BRIDGE = resolve(fileURLToPath(new URL('.', import.meta.url)), '../helpers/pty-bridge.py');

const started: Array<{ kill(): void }> = [];

function terminal(args: string[]) {
  const proc = spawn('python3', [BRIDGE, process.execPath, RELAY_BIN, ...args], {
    env: cleanEnv({ TERM: 'xterm', NO_COLOR: '1' }), stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A failed test must not leave a REPL waiting on a terminal: closing the bridge's stdin and
  // killing it ends the pty, which hangs up the relay process behind it.
  started.push({ kill: () => { proc.stdin.destroy(); proc.kill('SIGKILL'); } });
  let screen = '';
  // Readline moves the cursor with escape sequences; the test reads the text a person sees.
  const strip = (s: string) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  let waiter: { test: (s: string) => boolean; resolve: () => void } | undefined;
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d: string) => {
    screen += strip(d);
    if (waiter?.test(screen)) { const w = waiter; waiter = undefined; w.resolve(); }
  });
  const exit = new Promise<number | null>((r) => proc.on('close', (code) => r(code)));
  return {
    type: (s: string) => proc.stdin.write(s),
    screen: () => screen,
    /** Wait until the screen, after `from`, matches. */
    waitFor: (re: RegExp, from = 0) => new Promise<void>((res, rej) => {
      const test = (s: string) => re.test(s.slice(from));
      if (test(screen)) return res();
      waiter = { test, resolve: res };
      void exit.then(() => rej(new Error(`terminal closed before ${re}; screen:\n${screen}`)));
    }),
    exit,
  };
}

describe('relay chat REPL on a terminal', () => {
  let sim: SimServer;
  beforeAll(async () => { sim = await startSim({ seed: 5, ttftMs: 30, tps: 40 }); });
  afterEach(() => { for (const p of started.splice(0)) p.kill(); });
  afterAll(async () => { await sim?.close(); });

  it('two turns, Ctrl-C in the middle of the second reply returns to the prompt, a third turn works, Ctrl-D exits 0', async () => {
    const t = terminal(['chat', '--base-url', sim.url, '-m', 'sim-1']);
    await t.waitFor(/› $/);
    t.type('first question\r');
    const first = simReplyText(5, { messages: [{ role: 'user', content: 'first question' }] });
    await t.waitFor(/tokens[^\n]*\r?\n› $/);
    expect(t.screen()).toContain(first.trim());

    let mark = t.screen().length;
    t.type('/model sim-1\r');
    await t.waitFor(/model: sim-1[\s\S]*› $/, mark);
    mark = t.screen().length;
    t.type('second question, please answer at length\r');
    await t.waitFor(/answer at length\r*\n(\S+ ){3}/, mark); // a few tokens of a 64-token reply at 40 tokens/s
    t.type('\x03');
    await t.waitFor(/\[interrupted\][\s\S]*› $/, mark);

    mark = t.screen().length;
    t.type('third question\r');
    await t.waitFor(/tokens[^\n]*\r?\n› $/, mark);
    t.type('\x04');
    expect(await t.exit).toBe(0);
    expect(sim.stats().total.disconnects).toBeGreaterThanOrEqual(1); // the interrupted request was really aborted
  });

  it('Ctrl-C at an empty prompt exits with 130', async () => {
    const t = terminal(['chat', '--base-url', sim.url, '-m', 'sim-1']);
    await t.waitFor(/› $/);
    t.type('\x03');
    expect(await t.exit).toBe(130);
  });
});
