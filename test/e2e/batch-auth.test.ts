import { createServer, type Server } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXIT } from '../../src/core/errors.js';
import { runRelay } from '../helpers/relay.js';
import { prompts, readOut, tempDir, writeJsonl } from '../helpers/batch.js';

// The batch 401 stop against a server that checks the key itself (findings of a review):
// what counts as proof that the key works, what may still be sent after the stop, and the
// server's reason quoted without ever showing the key, whole or cut.

const GOOD = 'sk-good-key-0000111122223333';
const BAD = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';

interface Sent { key: string; prompt: string }
let server: Server;
let url: string;
const sent: Sent[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const key = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
      const prompt: string = JSON.parse(body).messages.at(-1).content;
      sent.push({ key, prompt });
      const json = (status: number, doc: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(doc));
      };
      if (prompt.includes('always-500')) return json(500, { error: { message: 'overloaded', type: 'server_error' } });
      if (key !== GOOD) {
        // The raw key, far enough in that a 200-character cut would split it.
        return json(401, { error: { message: `${'Authentication failed for this request. '.repeat(3)}key=${key} is not valid`, type: 'invalid_request_error', code: 'invalid_api_key' } });
      }
      json(200, { id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
});
afterAll(async () => { await new Promise((r) => server?.close(r)); });

function everyFile(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map((f) => join(dir, String(f))).filter((f) => statSync(f).isFile());
}

it('the quoted 401 reason never shows the key, whole or cut, in messages, records or --summary-json', async () => {
  const dir = tempDir();
  const r = await runRelay(['batch', writeJsonl(join(dir, 'in.jsonl'), prompts(3)), '-o', join(dir, 'out.jsonl'), '--errors', join(dir, 'err.jsonl'),
    '--summary-json', join(dir, 's.json'), '--base-url', url, '-m', 'm', '-c', '1'], { env: { RELAY_API_KEY: BAD } });
  expect(r.code).toBe(EXIT.auth);
  expect(r.stderr).toMatch(/Authentication failed for this request/);
  const prefix = BAD.slice(0, 12); // any cut of the key starts with this
  for (const f of everyFile(dir)) expect(readFileSync(f, 'utf8'), f).not.toContain(prefix);
  expect(r.stdout + r.stderr).not.toContain(prefix);
  expect(JSON.parse(readFileSync(join(dir, 's.json'), 'utf8')).stoppedBy).toBe('auth');
});

it('--cache hits are no proof that the key works: a wrong key still stops at the first 401', async () => {
  const dir = tempDir();
  const cache = join(dir, 'cache');
  const rows = prompts(40);
  await runRelay(['batch', writeJsonl(join(dir, 'warm.jsonl'), rows.slice(0, 5)), '-o', join(dir, 'warm.out'), '--cache', cache, '--base-url', url, '-m', 'm'],
    { env: { RELAY_API_KEY: GOOD } });
  sent.length = 0;
  const r = await runRelay(['batch', writeJsonl(join(dir, 'in.jsonl'), rows), '-o', join(dir, 'out.jsonl'), '--cache', cache, '--base-url', url, '-m', 'm', '-c', '1', '-q'],
    { env: { RELAY_API_KEY: BAD } });
  expect(r.code).toBe(EXIT.auth);
  expect(r.stderr).toMatch(/stopped at the first 401 \(34 lines not run\); fix the key/);
  expect(sent.filter((s) => s.key === BAD)).toHaveLength(1); // the five cached lines first, then one request
  expect(readOut(join(dir, 'out.jsonl')).filter((l) => l.relay.cached)).toHaveLength(5);
});

it('copies of an identical request that were waiting when the 401 stop came are not sent afterwards', async () => {
  const dir = tempDir();
  // q0 is refused; q1 waits in a retry backoff after a 500; q2..q9 send what q1 sends and wait for it.
  const rows = [{ id: 'q0', prompt: 'refuse me' }, ...Array.from({ length: 9 }, (_, i) => ({ id: `q${i + 1}`, prompt: 'always-500 please' }))];
  sent.length = 0;
  const r = await runRelay(['batch', writeJsonl(join(dir, 'in.jsonl'), rows), '-o', join(dir, 'out.jsonl'), '--base-url', url, '-m', 'm', '-c', '8', '-q'],
    { env: { RELAY_API_KEY: BAD } });
  expect(r.code).toBe(EXIT.auth);
  expect(sent.filter((s) => s.prompt === 'refuse me')).toHaveLength(1);
  // At most the first attempt of the shared request: its retry and its copies were cancelled.
  expect(sent.filter((s) => s.prompt === 'always-500 please').length).toBeLessThanOrEqual(1);
  expect(readOut(join(dir, 'out.jsonl')).map((l) => l.custom_id)).toEqual(['q0']);
  expect(r.stderr).toMatch(/stopped at the first 401 \(9 lines not run\)/);
});
