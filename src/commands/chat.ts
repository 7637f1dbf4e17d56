import type { Io } from '../cli/io.js';
import type { RequestFlags } from '../cli/request-flags.js';
import { EXIT, RelayError, isRelayError, usageError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import type { RelayClient } from '../core/client.js';
import type { ChatMessage, ChatRequest } from '../core/types.js';
import { jsonDocument, statsLine } from './chat-format.js';
import { runTurn, type TurnOutput } from './chat-turn.js';
import { costFigure, loadPriceBook } from './chat-cost.js';
import type { PriceBook } from '../cost/price-table.js';
import { closeNames } from './suggest.js';
import { setupRequests, type Chatter } from './request-setup.js';

export interface ChatOptions extends RequestFlags {
  prompt: string[];
  system?: string;
  temperature?: string;
  maxTokens?: string;
  stream?: boolean;
  json?: boolean;
  reasoning?: 'show' | 'hide';
  stats?: boolean;
}

export interface ChatSession {
  chatter: Chatter;
  /** The first endpoint's client, for /models look-ups. */
  client: RelayClient;
  model: string;
  params: Partial<ChatRequest>;
  simulated: boolean;
  prices: PriceBook;
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(parts).toString('utf8');
}

export function requestParams(opts: ChatOptions): Partial<ChatRequest> {
  const params: Partial<ChatRequest> = {};
  if (opts.temperature !== undefined) {
    const t = Number(opts.temperature);
    if (!Number.isFinite(t) || t < 0 || t > 2) throw usageError(`--temperature takes a number from 0 to 2, got "${opts.temperature}"`);
    params.temperature = t;
  }
  if (opts.maxTokens !== undefined) {
    const n = Number(opts.maxTokens);
    if (!Number.isInteger(n) || n < 1) throw usageError(`--max-tokens takes a whole number >= 1, got "${opts.maxTokens}"`);
    params.max_tokens = n;
  }
  return params;
}

export async function chat(opts: ChatOptions, io: Io): Promise<number> {
  const params = requestParams(opts);
  const setup = await setupRequests(opts, io);
  const endpoint = setup.settings.endpoints[0];
  const model = setup.settings.model.value;
  if (!model) throw usageError('no model: pass -m/--model NAME, set RELAY_MODEL, or defaultModel in the config (`relay models` lists them)');
  const client = setup.clientFor(endpoint);
  const chatter = setup.chatter();
  const session: ChatSession = { chatter, client, model, params, simulated: setup.settings.endpoints.every((e) => e.simulated), prices: await loadPriceBook(setup.loaded) };
  try {
    const piped = io.stdin.isTTY ? '' : await readAll(io.stdin);
    const text = [opts.prompt.join(' ').trim(), piped.trim()].filter(Boolean).join('\n\n');
    if (!text) {
      if (!io.stdin.isTTY) throw usageError('nothing to send: give a prompt, or pipe text on stdin');
      const { repl } = await import('./chat-repl.js');
      return await repl(session, opts, io);
    }
    const messages: ChatMessage[] = [];
    if (opts.system) messages.push({ role: 'system', content: opts.system });
    messages.push({ role: 'user', content: text });
    return await oneShot(session, messages, opts, io);
  } finally {
    await Promise.all([client.close(), chatter.close()]);
  }
}

async function oneShot(s: ChatSession, messages: ChatMessage[], opts: ChatOptions, io: Io): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('SIGINT'));
  process.once('SIGINT', onSigint);
  const out: TurnOutput = { written: '', endedWithNewline: true };
  const req: ChatRequest = { model: s.model, messages, ...s.params };
  try {
    const r = await runTurn(s.chatter, req, io, {
      stream: opts.stream !== false, showReasoning: opts.reasoning !== 'hide', quiet: Boolean(opts.json), signal: controller.signal,
    }, out);
    const cost = await costFigure(s.prices, r.model ?? s.model, r.normalizedUsage);
    if (opts.json) io.stdout.write(JSON.stringify(jsonDocument(r, cost)) + '\n');
    else if (io.stdout.isTTY && !out.endedWithNewline) io.stdout.write('\n');
    for (const w of r.warnings) io.stderr.write(io.err.warn(`relay: warning: ${w}`) + '\n');
    // Piped stdout keeps the reply byte for byte; the stats line starts on a line of its own instead.
    const gap = !io.stdout.isTTY && !opts.json && out.written && !out.endedWithNewline ? '\n' : '';
    if (io.stderr.isTTY || opts.stats) io.stderr.write(gap + statsLine(r, s.model, io.err, cost, s.simulated || Boolean(r.simulated)) + '\n');
    return EXIT.ok;
  } catch (e) {
    if (out.written && !out.endedWithNewline && io.stdout.isTTY) io.stdout.write('\n');
    let err = e;
    if (isRelayError(e) && e.code === 'interrupted') {
      const kept = out.written || e.partial || '';
      const partial = kept ? ` (partial reply of ${kept.length} characters kept)` : '';
      err = new RelayError(`${e.message}${partial}`, { code: 'interrupted', exitCode: EXIT.interrupted, partial: kept, cause: e });
    } else if (isRelayError(e) && e.code === 'model_not_found') {
      err = await withSuggestions(e, s);
    }
    // --json promises one document on stdout, failures included, with whatever text arrived.
    if (opts.json && isRelayError(err)) {
      io.stdout.write(JSON.stringify({
        error: { code: err.code, message: redact(err.message), status: err.status ?? null },
        content: out.written || err.partial || (isRelayError(e) ? e.partial : undefined) || '',
        request_id: err.requestId ?? null,
        attempts: (e as { attempts?: number }).attempts ?? null,
      }) + '\n');
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/** A 404 for the model names the endpoint's closest models, when it lists them. */
export async function withSuggestions(e: RelayError, s: ChatSession): Promise<RelayError> {
  try {
    const ids = (await s.client.models()).map((m) => m.id);
    const close = closeNames(s.model, ids);
    if (!close.length) return e;
    return new RelayError(`${e.message.replace(/; run `relay models`.*$/, '')}; close names: ${close.join(', ')}`, {
      code: e.code, exitCode: e.exitCode, status: e.status, requestId: e.requestId, partial: e.partial, cause: e,
    });
  } catch {
    return e;
  }
}
