import { writeFile } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline';
import type { Io } from '../cli/io.js';
import { EXIT, isRelayError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import type { ChatMessage, ChatRequest } from '../core/types.js';
import type { ChatOptions, ChatSession } from './chat.js';
import { withSuggestions } from './chat.js';
import { costFigure } from './chat-cost.js';
import { statsLine } from './chat-format.js';
import { runTurn, type TurnOutput } from './chat-turn.js';

// The multi-turn session. Ctrl-C during a reply stops that reply (kept, marked interrupted) and
// returns to the prompt; Ctrl-C at an empty prompt exits 130; Ctrl-D exits 0 (shared case R37).

const HELP = '/model NAME  /system TEXT  /clear  /save FILE  /exit   (Ctrl-C stops a reply, Ctrl-D quits)';

export async function repl(s: ChatSession, opts: ChatOptions, io: Io): Promise<number> {
  const history: ChatMessage[] = [];
  let system = opts.system;
  const rl = createInterface({ input: io.stdin, output: io.stderr, terminal: true, historySize: 500, prompt: io.err.accent('› ') });
  let inflight: AbortController | undefined;
  let exitCode: number | undefined;
  let closed = false;
  rl.on('SIGINT', () => {
    if (inflight) { inflight.abort(new Error('SIGINT')); return; }
    if (rl.line.length > 0) { rl.write(null, { ctrl: true, name: 'u' }); rl.prompt(); return; }
    exitCode = EXIT.interrupted;
    rl.close();
  });
  rl.on('close', () => { closed = true; });
  io.stderr.write(io.err.dim(`relay chat · ${s.model} via ${s.chatter.endpoints.map((e) => e.name).join(', ')}${s.simulated ? ' (simulated)' : ''} · ${HELP}`) + '\n');
  const lines = lineReader(rl);
  rl.prompt();
  for (;;) {
    const line = await lines.next();
    if (line === undefined || closed) break;
    const text = line.trim();
    if (!text) { rl.prompt(); continue; }
    if (text.startsWith('/')) {
      const done = await command(text, { history, s, io, setSystem: (v) => { system = v; }, system: () => system });
      if (done) break;
      rl.prompt();
      continue;
    }
    history.push({ role: 'user', content: text });
    // The interrupted mark stays in the history and /save; servers reject unknown message keys.
    const sent = history.map(({ role, content }) => ({ role, content }));
    const messages: ChatMessage[] = system ? [{ role: 'system', content: system }, ...sent] : sent;
    inflight = new AbortController();
    const out: TurnOutput = { written: '', endedWithNewline: true };
    try {
      const r = await runTurn(s.chatter, { model: s.model, messages, ...s.params } as ChatRequest, io,
        { stream: opts.stream !== false, showReasoning: opts.reasoning !== 'hide', quiet: false, signal: inflight.signal }, out);
      if (!out.endedWithNewline) io.stdout.write('\n');
      history.push({ role: 'assistant', content: r.content });
      io.stderr.write(statsLine(r, s.model, io.err, await costFigure(s.prices, r.model ?? s.model, r.normalizedUsage), s.simulated || Boolean(r.simulated)) + '\n');
    } catch (e) {
      if (!out.endedWithNewline) io.stdout.write('\n');
      if (isRelayError(e) && e.code === 'interrupted') {
        history.push({ role: 'assistant', content: out.written, interrupted: true });
        io.stderr.write(io.err.warn('[interrupted]') + '\n');
      } else {
        history.pop();
        const err = isRelayError(e) && e.code === 'model_not_found' ? await withSuggestions(e, s) : e;
        io.stderr.write(io.err.error(redact(`relay: ${(err as Error).message}`)) + '\n');
      }
    } finally {
      inflight = undefined;
    }
    if (closed) break;
    rl.prompt();
  }
  rl.close();
  if (exitCode === undefined) io.stderr.write('\n');
  return exitCode ?? EXIT.ok;
}

/** Lines from readline as a pull-style queue, so a reply can run between two lines. */
function lineReader(rl: Interface): { next(): Promise<string | undefined> } {
  const queue: string[] = [];
  let waiting: ((v: string | undefined) => void) | undefined;
  let ended = false;
  rl.on('line', (l) => { if (waiting) { const w = waiting; waiting = undefined; w(l); } else queue.push(l); });
  rl.on('close', () => { ended = true; if (waiting) { const w = waiting; waiting = undefined; w(undefined); } });
  return {
    next: () => {
      if (queue.length) return Promise.resolve(queue.shift());
      if (ended) return Promise.resolve(undefined);
      return new Promise((r) => { waiting = r; });
    },
  };
}

interface CommandContext {
  history: ChatMessage[];
  s: ChatSession;
  io: Io;
  system(): string | undefined;
  setSystem(v: string | undefined): void;
}

/** Returns true when the session should end. */
async function command(text: string, c: CommandContext): Promise<boolean> {
  const [name, ...rest] = text.split(/\s+/);
  const arg = text.slice(name.length).trim();
  const say = (m: string) => c.io.stderr.write(c.io.err.dim(m) + '\n');
  switch (name) {
    case '/exit': case '/quit': return true;
    case '/clear': c.history.length = 0; say('history cleared'); return false;
    case '/model':
      if (!arg) say(`model: ${c.s.model}`);
      else { c.s.model = arg; say(`model: ${arg}`); }
      return false;
    case '/system':
      c.setSystem(arg || undefined);
      say(arg ? 'system prompt set' : 'system prompt cleared');
      return false;
    case '/save': {
      if (!rest.length) { say('usage: /save FILE'); return false; }
      const sys = c.system();
      const doc = { model: c.s.model, endpoint: c.s.chatter.endpoints.map((e) => e.name).join(','), messages: sys ? [{ role: 'system', content: sys }, ...c.history] : c.history };
      try {
        await writeFile(arg, JSON.stringify(doc, null, 2) + '\n');
        say(`saved ${c.history.length} messages to ${arg}`);
      } catch (e) {
        say(`cannot save to ${arg}: ${(e as Error).message}`);
      }
      return false;
    }
    default:
      say(`unknown command ${name}; ${HELP}`);
      return false;
  }
}
