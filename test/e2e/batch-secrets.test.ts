import { createServer, type Server } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnSim, type SpawnedSim } from '../helpers/sim.js';
import { runRelay } from '../helpers/relay.js';
import { prompts, readOut, tempDir, writeJsonl } from '../helpers/batch.js';
import { EXIT } from '../../src/core/errors.js';

// The API key must appear in no output line, report, summary, cache file or message, --debug
// included, even when a server echoes it back in an error body.

const KEY = 'sk-test-SECRET-abc123xyz789';
let sim: SpawnedSim;
let echo: Server;
let echoUrl: string;
let echoBoth: Server;
let echoBothUrl: string;
beforeAll(async () => {
  sim = await spawnSim(['--api-key', KEY, '--faults', '500=0.2', '--seed', '3']);
  echo = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${req.headers.authorization}`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
    });
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoUrl = `http://127.0.0.1:${(echo.address() as { port: number }).port}/v1`;
  // Echoes the key in a 400's message and inside a successful reply's text.
  echoBoth = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const said = `you sent ${req.headers.authorization}`;
      if (body.includes('say-ok')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: said }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }));
      } else {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `Bad request: ${said}`, type: 'invalid_request_error', code: null } }));
      }
    });
  });
  await new Promise<void>((r) => echoBoth.listen(0, '127.0.0.1', r));
  echoBothUrl = `http://127.0.0.1:${(echoBoth.address() as { port: number }).port}/v1`;
});
afterAll(async () => {
  await sim?.stop();
  await new Promise((r) => echo?.close(r));
  await new Promise((r) => echoBoth?.close(r));
});

function everyFile(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map((f) => join(dir, String(f))).filter((f) => statSync(f).isFile());
}

it('the key is in no output line, report, summary, cache file or message, with --debug', async () => {
  const dir = tempDir();
  const input = writeJsonl(join(dir, 'in.jsonl'), [...prompts(30), { id: 'bad', prompt: 1 }]);
  const r = await runRelay(['batch', input, '-o', join(dir, 'out.jsonl'), '--errors', join(dir, 'err.jsonl'), '--report', join(dir, 'r.csv'),
    '--summary-json', join(dir, 's.json'), '--cache', join(dir, 'cache'), '--base-url', sim.url, '-m', 'gpt-4.1-mini', '--debug', '--retries', '1'],
  { env: { RELAY_API_KEY: KEY } });
  expect(r.stderr).toMatch(/\[debug\] POST/);
  expect(readOut(join(dir, 'out.jsonl'))).toHaveLength(31);
  const files = everyFile(dir);
  expect(files.some((f) => f.includes(`${join('cache', '')}`))).toBe(true);
  for (const f of files) expect(readFileSync(f, 'utf8'), f).not.toContain(KEY);
  expect(r.stdout).not.toContain(KEY);
  expect(r.stderr).not.toContain(KEY);
  expect(r.stderr).not.toContain('abc123xyz789');
});

it('a refused key fails the lines with a message naming the variable, never the key, even when the server echoes it', async () => {
  const dir = tempDir();
  const input = writeJsonl(join(dir, 'in.jsonl'), prompts(3));
  const r = await runRelay(['batch', input, '-o', join(dir, 'out.jsonl'), '--base-url', echoUrl, '-m', 'gpt-4.1-mini', '--debug'],
    { env: { RELAY_API_KEY: KEY } });
  expect(r.code).toBe(EXIT.auth);
  const lines = readOut(join(dir, 'out.jsonl'));
  expect(lines.map((l) => l.error!.code)).toEqual(['auth', 'auth', 'auth']);
  expect(lines[0]!.error!.message).toMatch(/401 from .*: the key in RELAY_API_KEY was refused/);
  expect(lines[0]!.response!.status_code).toBe(401);
  for (const f of everyFile(dir)) expect(readFileSync(f, 'utf8')).not.toContain(KEY);
  expect(r.stderr).not.toContain(KEY);
  expect(r.stdout).not.toContain(KEY);
});

it('a key echoed in a 400 message or inside a reply is masked in the output, the errors file and the --report CSV', async () => {
  const dir = tempDir();
  const input = writeJsonl(join(dir, 'in.jsonl'), [{ id: 'ok', prompt: 'say-ok' }, { id: 'no', prompt: 'refuse' }]);
  const r = await runRelay(['batch', input, '-o', join(dir, 'out.jsonl'), '--errors', join(dir, 'err.jsonl'), '--report', join(dir, 'r.csv'),
    '--base-url', echoBothUrl, '-m', 'gpt-4.1-mini'], { env: { RELAY_API_KEY: KEY } });
  expect(r.code).toBe(7);
  const csv = readFileSync(join(dir, 'r.csv'), 'utf8');
  expect(csv).toMatch(/you sent Bearer sk-…z789/); // the reply, masked
  expect(csv).toMatch(/Bad request: you sent Bearer sk-…z789/); // the 400's message, masked
  for (const f of everyFile(dir)) expect(readFileSync(f, 'utf8'), f).not.toContain(KEY);
  expect(r.stdout + r.stderr).not.toContain(KEY);
});

it('a wrong key stops the batch at the first 401 (exit 4, the rest left for --resume); with the right key, resume completes every id once', async () => {
  const right = 'sk-right-key-000111222';
  const keyed = await spawnSim(['--api-key', right]);
  try {
    const dir = tempDir();
    const input = writeJsonl(join(dir, 'in.jsonl'), prompts(200));
    const out = join(dir, 'out.jsonl');
    const args = ['batch', input, '-o', out, '--base-url', keyed.url, '-m', 'gpt-4.1-mini', '-c', '2', '-q'];
    const r = await runRelay(args, { env: { RELAY_API_KEY: KEY } });
    expect(r.stdout).toBe('');
    expect(r.code).toBe(EXIT.auth);
    const err = r.stderr.trim().split('\n');
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^relay: line \d: 401 from default .*\("Incorrect API key provided[^"]*"\): the key in RELAY_API_KEY was refused.*stopped at the first 401 \(\d+ lines not run\); fix the key, then resume with: relay batch .* --resume \(if the key is refused only for some models, --skip-failed/);
    const refused = readOut(out);
    // Only the lines already started when the first 401 came back were sent (-c 2).
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThanOrEqual(2);
    expect(refused.every((l) => l.error?.code === 'auth')).toBe(true);
    expect(r.stderr).not.toContain(KEY);

    const again = await runRelay([...args, '--resume'], { env: { RELAY_API_KEY: right } });
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    const ids = readOut(out).map((l) => l.custom_id);
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
  } finally {
    await keyed.stop();
  }
});

it('every line refused with 403 (no access to the model): each line records it, and the exit is 4, not an error rate', async () => {
  const forbid = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Project does not have access to model gpt-4.1-mini', type: 'invalid_request_error', code: 'model_not_found' } }));
    });
  });
  await new Promise<void>((r) => forbid.listen(0, '127.0.0.1', r));
  try {
    const dir = tempDir();
    const r = await runRelay(['batch', writeJsonl(join(dir, 'in.jsonl'), prompts(5)), '-o', join(dir, 'out.jsonl'), '-c', '1', '-q',
      '--base-url', `http://127.0.0.1:${(forbid.address() as { port: number }).port}/v1`, '-m', 'gpt-4.1-mini'], { env: { RELAY_API_KEY: KEY } });
    expect(r.code).toBe(EXIT.auth);
    expect(r.stderr.trim()).toMatch(/^relay: all 5 lines were refused \(401\/403/);
    const lines = readOut(join(dir, 'out.jsonl'));
    expect(lines.map((l) => l.response?.status_code)).toEqual([403, 403, 403, 403, 403]); // a 403 does not stop the run
  } finally {
    await new Promise((r) => forbid.close(r));
  }
});

it('lines waiting for the rate limit when the first 401 comes back are not sent: one request, the rest left for --resume', async () => {
  const keyed = await spawnSim(['--api-key', 'sk-right-key-000111222']);
  try {
    const dir = tempDir();
    const r = await runRelay(['batch', writeJsonl(join(dir, 'in.jsonl'), prompts(40)), '-o', join(dir, 'out.jsonl'), '--base-url', keyed.url,
      '-m', 'gpt-4.1-mini', '-c', '16', '--rpm', '60', '-q'], { env: { RELAY_API_KEY: KEY } });
    expect(r.code).toBe(EXIT.auth);
    expect(r.stderr).toMatch(/stopped at the first 401 \(39 lines not run\)/);
    expect(readOut(join(dir, 'out.jsonl'))).toHaveLength(1);
    const stats = await (await fetch(`${keyed.origin}/__sim/stats`)).json() as { total: { chatRequests: number } };
    expect(stats.total.chatRequests).toBe(1); // --rpm 60 admits one at once; the 15 waiting were cancelled
  } finally {
    await keyed.stop();
  }
});

it('a 401 for one model only (LiteLLM refuses a model so) does not stop the run once a line has succeeded, and resume is never stuck on it', async () => {
  // Lines of "locked-model" are refused with 401; every other model is answered.
  const picky = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const model = JSON.parse(body).model;
      if (model === 'locked-model') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `key not allowed to access model. This key can only access models=['gpt-4.1-mini']. Tried to access ${model}`, type: 'key_model_access_denied', code: '401' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model, choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } }));
    });
  });
  await new Promise<void>((r) => picky.listen(0, '127.0.0.1', r));
  try {
    const dir = tempDir();
    const rows = prompts(6).map((p, i) => (i === 2 ? { ...p, model: 'locked-model' } : p));
    const args = ['batch', writeJsonl(join(dir, 'in.jsonl'), rows), '-o', join(dir, 'out.jsonl'), '-c', '1', '-q',
      '--base-url', `http://127.0.0.1:${(picky.address() as { port: number }).port}/v1`, '-m', 'gpt-4.1-mini'];
    const r = await runRelay(args, { env: { RELAY_API_KEY: KEY } });
    expect(r.code).toBe(EXIT.threshold); // a line failed; the run went on to the end
    const out = readOut(join(dir, 'out.jsonl'));
    expect(out).toHaveLength(6);
    const refused = out.filter((l) => l.error);
    expect(refused.map((l) => l.custom_id)).toEqual([rows[2]!.id]);
    expect(refused[0]!.error!.message).toMatch(/\("key not allowed to access model\./); // the server's reason is in the record
    // Resume runs the refused line again first; the file shows the key works, so it does not stop.
    const again = await runRelay([...args, '--resume'], { env: { RELAY_API_KEY: KEY } });
    expect(again.code).toBe(EXIT.threshold);
    expect(again.stderr).toMatch(/1 of 1 line failed/);
    expect(readOut(join(dir, 'out.jsonl'))).toHaveLength(6);
  } finally {
    await new Promise((r) => picky.close(r));
  }
});
