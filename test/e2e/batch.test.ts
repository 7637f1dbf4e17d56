import { copyFileSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSim, type SpawnedSim } from '../helpers/sim.js';
import { runRelay } from '../helpers/relay.js';
import { idCounts, prompts, readOut, simStats, tempDir, writeJsonl } from '../helpers/batch.js';

// `relay batch` end to end: the real bin/relay.js against `relay sim`, stdout/stderr/exit apart.

const FIX = new URL('../../fixtures/batch/', import.meta.url).pathname;
let sim: SpawnedSim;
let dir: string;
beforeAll(async () => {
  sim = await spawnSim();
  dir = tempDir();
});
afterAll(async () => { await sim?.stop(); });

const relay = (args: string[], input?: string) => runRelay(['batch', ...args, '--base-url', sim.url], { input, timeout: 60_000 });
const requestsSoFar = async () => (await simStats(sim.origin)).chatRequests;

describe('relay batch: input files', () => {
  it.each(['R28-jsonl-utf8-bom.jsonl', 'R30-jsonl-crlf-no-final-newline.jsonl'])('%s: both requests succeed', async (name) => {
    const out = join(dir, `${name}.out`);
    const r = await relay([join(FIX, name), '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readOut(out).map((l) => [l.custom_id, l.response!.status_code]).sort()).toEqual([['req-1', 200], ['req-2', 200]]);
  });

  it('a file mixing good, broken and non-object lines: every line gets one record; exit 7 names the failures', async () => {
    const out = join(dir, 'mixed.out');
    const errs = join(dir, 'mixed.err');
    const r = await relay([join(FIX, 'mixed.jsonl'), '-o', out, '--errors', errs, '-m', 'gpt-4.1-mini']);
    expect(r.code).toBe(7);
    const lines = readOut(out);
    expect(lines).toHaveLength(10);
    expect(lines.filter((l) => l.error === null).map((l) => l.custom_id).sort()).toEqual(['ok-1', 'ok-2', 'ok-3', 'ok-4']);
    const failed = lines.filter((l) => l.error).map((l) => [l.custom_id, l.error!.code, l.relay.line]).sort();
    expect(failed).toEqual([
      ['embed-1', 'invalid_request', 9], ['line-11', 'invalid_request', 11], ['line-4', 'invalid_json', 4],
      ['line-5', 'invalid_request', 5], ['line-6', 'invalid_request', 6], ['no-messages', 'invalid_request', 10],
    ]);
    expect(readOut(errs).map((l) => l.custom_id).sort()).toEqual(failed.map((f) => f[0]));
    expect(r.stderr).toMatch(/relay: 6 of 10 lines failed \(60%\) \(listed in .*mixed\.err\), above --max-error-rate 0%/);
    const ok = await relay([join(FIX, 'mixed.jsonl'), '-o', out, '--overwrite', '-m', 'gpt-4.1-mini', '--max-error-rate', '0.7']);
    expect(ok.code).toBe(0);
  });

  it('duplicate ids are refused with the list of them before any request (exit 2)', async () => {
    const input = writeJsonl(join(dir, 'dups.jsonl'), [{ id: 'a', prompt: 'x' }, { id: 'b', prompt: 'y' }, { id: 'a', prompt: 'z' }, { custom_id: 'b', body: { messages: [{ role: 'user', content: 'w' }] } }]);
    const before = await requestsSoFar();
    const r = await relay([input, '-m', 'gpt-4.1-mini']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/relay: 2 ids appear more than once in .*dups\.jsonl: "a" \(lines 1, 3\); "b" \(lines 2, 4\)/);
    expect(await requestsSoFar()).toBe(before);
  });

  it('a user id "line-2" next to a broken line 2: not a duplicate; the broken line\'s record is line-2-auto, every id once', async () => {
    const input = join(dir, 'auto-ids.jsonl');
    writeFileSync(input, '{"id": "line-2", "prompt": "mine"}\n{"prompt": "broken"\n{"prompt": "no id"}\n');
    const out = join(dir, 'auto-ids.out');
    const r = await relay([input, '-o', out, '-m', 'gpt-4.1-mini']);
    expect(r.code).toBe(7);
    expect(r.stderr).not.toMatch(/more than once/);
    const got = Object.fromEntries(readOut(out).map((l) => [l.custom_id, l.error?.code ?? 'ok']));
    expect(got).toEqual({ 'line-2': 'ok', 'line-2-auto': 'invalid_json', 'line-3': 'ok' });
    // Resume keeps to the same ids: only the failed line runs again.
    const again = await relay([input, '-o', out, '-m', 'gpt-4.1-mini', '--resume']);
    expect(again.code).toBe(7);
    expect(again.stderr).toMatch(/2 of 3 lines already done, 1 to run/);
    expect([...idCounts(readOut(out)).values()]).toEqual([1, 1, 1]);
  });

  it('lines with no model anywhere are refused up front, naming the lines (exit 2)', async () => {
    const input = writeJsonl(join(dir, 'nomodel.jsonl'), [{ prompt: 'x', model: 'gpt-4.1-mini' }, { prompt: 'y' }]);
    const r = await relay([input]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/1 line names no model \(line 2\); pass --model NAME/);
  });

  it('stdin in, results on stdout: nothing but result lines on stdout, the summary on stderr', async () => {
    const rows = prompts(25);
    const r = await relay(['-', '-m', 'gpt-4.1-mini'], rows.map((x) => JSON.stringify(x)).join('\n'));
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.custom_id).sort()).toEqual(rows.map((x) => x.id).sort());
    expect(r.stderr).toMatch(/relay batch: 25 ok, 0 failed/);
  });

  it.each([
    ['-o in a folder that does not exist', ['-o', join('missing', 'out.jsonl')], /^relay: cannot open .*missing\/out\.jsonl: no such file or folder \(ENOENT\); check the path$/],
    ['--cache under a file', ['--cache', join('plain-file', 'cache')], /^relay: cannot mkdir .*plain-file: a part of the path is not a folder \(ENOTDIR\); check the path$/],
    ['--report naming a folder', ['--report', '.'], /^relay: cannot open .*: it is a folder \(EISDIR\); check the path$/],
  ])('%s: one line naming the path (exit 2), nothing sent', async (_, args, message) => {
    writeFileSync(join(dir, 'plain-file'), 'x');
    const before = await requestsSoFar();
    const r = await runRelay(['batch', join(FIX, 'R28-jsonl-utf8-bom.jsonl'), '-q', ...args, '--base-url', sim.url], { cwd: dir, timeout: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n').filter((l) => !/no price known/.test(l))).toEqual([expect.stringMatching(message)]);
    expect(await requestsSoFar()).toBe(before);
  });

  it('an existing -o file is not appended to without --resume (exit 2)', async () => {
    const out = join(dir, 'exists.out');
    writeFileSync(out, '{"custom_id":"x"}\n');
    const r = await relay([join(FIX, 'R28-jsonl-utf8-bom.jsonl'), '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already holds results; continue it with --resume, or replace it with --overwrite/);
    expect(readFileSync(out, 'utf8')).toBe('{"custom_id":"x"}\n');
  });
});

describe('relay batch: an output that cannot be written', () => {
  it.skipIf(!existsSync('/dev/full'))('a full disk (-o /dev/full): one line naming the file, the cause and --resume; no stack trace', async () => {
    const input = writeJsonl(join(dir, 'full.jsonl'), prompts(5));
    const r = await relay([input, '-o', '/dev/full', '-q', '-m', 'gpt-4.1-mini']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('relay: cannot write /dev/full: no space left on the device (ENOSPC); make room, then run the same command with --resume');
  });

  it.skipIf(!existsSync('/dev/full'))('a --report on a full disk: one line naming the file and the cause', async () => {
    const input = writeJsonl(join(dir, 'full-report.jsonl'), prompts(3));
    const r = await relay([input, '-o', join(dir, 'full-report.out'), '--report', '/dev/full', '-q', '-m', 'gpt-4.1-mini']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('relay: cannot write /dev/full: no space left on the device (ENOSPC)');
  });
});

describe('relay batch: the input and unrelated files are never damaged', () => {
  const input = () => writeJsonl(join(tempDir(), 'same.jsonl'), prompts(8));

  it('-o naming the input by another spelling, with --resume: refused (exit 2), input untouched', async () => {
    const p = input();
    const before = readFileSync(p, 'utf8');
    const r = await runRelay(['batch', 'same.jsonl', '-o', './same.jsonl', '--resume', '-m', 'gpt-4.1-mini', '--base-url', sim.url], { cwd: join(p, '..'), timeout: 60_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/-o .* is the same file as the input/);
    expect(readFileSync(p, 'utf8')).toBe(before);
  });

  it('a symlink to the output as input, with --overwrite: refused (exit 2), input untouched', async () => {
    const p = input();
    const link = join(p, '..', 'link.jsonl');
    symlinkSync(p, link);
    const before = readFileSync(p, 'utf8');
    const r = await relay([link, '-o', p, '--overwrite', '-m', 'gpt-4.1-mini']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is the same file as the input/);
    expect(readFileSync(p, 'utf8')).toBe(before);
  });

  it('--resume onto a file that is not relay output (notes.txt): refused in one line (exit 2), file untouched', async () => {
    const p = input();
    const notes = join(p, '..', 'notes.txt');
    writeFileSync(notes, 'call Ann\nbuy milk\nlast line without newline');
    const r = await relay([p, '-o', notes, '--resume', '-m', 'gpt-4.1-mini']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/notes\.txt is not a relay batch output file \(2 lines are not result records: 1, 2\); nothing was changed/);
    expect(readFileSync(notes, 'utf8')).toBe('call Ann\nbuy milk\nlast line without newline');
  });
});

describe('relay batch: dry run, spend and reports', () => {
  it('--help says what --report covers after --resume and that --dry-run exits 2 on invalid lines', async () => {
    const r = await runRelay(['batch', '--help'], { timeout: 30_000 });
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--report <file> .*one row per line run in this invocation \(with --resume, rows of earlier runs are not repeated\)/);
    expect(help).toMatch(/--dry-run .*exits 2 when some lines are invalid/);
  });

  it('--dry-run sends nothing and prints tokens and cost per model, marked as estimates', async () => {
    const input = writeJsonl(join(dir, 'dry.jsonl'), [
      ...prompts(3).map((p) => ({ ...p, model: 'gpt-4.1', max_tokens: 100 })),
      { id: 'd', prompt: 'hello', model: 'deepseek-v3.2', n: 2, max_tokens: 50 },
    ]);
    const before = await requestsSoFar();
    const r = await relay([input, '--dry-run']);
    expect(r.code).toBe(0);
    expect(await requestsSoFar()).toBe(before);
    const rows = r.stdout.split('\n');
    expect(rows[0]).toMatch(/^model\s+lines\s+prompt tokens \(est\.\)\s+max output tokens\s+cost \(est\., at most\)$/);
    expect(rows[1]).toMatch(/^gpt-4\.1\s+3\s+\d+\s+300\s+<?\$0\.\d+$/);
    expect(rows[2]).toMatch(/^deepseek-v3\.2\s+1\s+\d+\s+100\s+<?\$0\.\d+$/);
    expect(r.stdout).toMatch(/nothing was sent/);
  });

  it('--dry-run with invalid lines: counts them apart from the lines to run, estimates replies without max_tokens at 256, exit 2', async () => {
    const input = join(dir, 'dry-invalid.jsonl');
    writeFileSync(input, [
      ...prompts(4).map((p) => JSON.stringify(p)), // no max_tokens
      '{"id": "torn", "prompt": "no closing brace"',
      '["an array"]',
      '{"id": "empty"}',
    ].join('\n') + '\n');
    const r = await relay([input, '--dry-run', '-m', 'gpt-4.1-mini']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^gpt-4\.1-mini\s+4\s+\d+\s+1,024\s+<?\$0\.\d+$/m);
    expect(r.stdout).toMatch(/^7 lines: 4 to run, 3 invalid\. .*for lines that set none: 256,/m);
    expect(r.stderr.match(/relay: invalid: line \d/g)).toHaveLength(3);
  });

  it('--max-cost stops scheduling once reached (exit 7); resume with a higher budget finishes each id once', async () => {
    const input = writeJsonl(join(dir, 'budget.jsonl'), prompts(40).map((p) => ({ ...p, model: 'gpt-4.1' })));
    const out = join(dir, 'budget.out');
    const r = await relay([input, '-o', out, '-c', '1', '--max-cost', '0.002']);
    expect(r.code).toBe(7);
    const first = readOut(out).length;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(40);
    expect(r.stderr).toMatch(/relay: spend reached --max-cost \$0\.002 .*lines not run; resume with: relay batch .* --resume/);
    const again = await relay([input, '-o', out, '-c', '1', '--max-cost', '10', '--resume']);
    expect(again.code).toBe(0);
    const counts = idCounts(readOut(out));
    expect(counts.size).toBe(40);
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
  });

  it('--max-cost with a model relay has no price for is refused up front', async () => {
    const input = writeJsonl(join(dir, 'unpriced.jsonl'), [{ prompt: 'x', model: 'my-private-model' }]);
    const r = await relay([input, '--max-cost', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-cost needs a price for every model, and relay has none for my-private-model/);
  });

  it('--report writes one CSV row per line; --summary-json holds the same counts', async () => {
    const input = writeJsonl(join(dir, 'report.jsonl'), [...prompts(5).map((p) => ({ ...p, model: 'gpt-4.1-mini' })), { id: 'bad', prompt: 5 }]);
    const csv = join(dir, 'report.csv');
    const sum = join(dir, 'summary.json');
    const r = await relay([input, '-o', join(dir, 'report.out'), '--report', csv, '--summary-json', sum, '--max-error-rate', '0.5']);
    expect(r.code).toBe(0);
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\r\n');
    expect(rows[0]).toBe('id,status,http_status,error_code,attempts,latency_ms,prompt_tokens,completion_tokens,cost_usd,endpoint,reply');
    expect(rows).toHaveLength(7);
    const bad = rows.find((x) => x.startsWith('bad,'))!;
    expect(bad).toMatch(/^bad,failed,,invalid_request,0,/);
    const okRow = rows.find((x) => x.startsWith('q0,'))!.split(',');
    expect(okRow.slice(1, 5)).toEqual(['ok', '200', '', '1']);
    expect(Number(okRow[8])).toBeGreaterThan(0);
    const s = JSON.parse(readFileSync(sum, 'utf8'));
    expect(s.lines).toMatchObject({ total: 6, ok: 5, failed: 1 });
    expect(s.failedByCode).toEqual({ invalid_request: 1 });
    expect(s.requests).toBe(5);
    expect(s.cost).toBeGreaterThan(0);
  });

  it('--resume over an OpenAI Batch output file (R32) reruns only the failed ids, joined by custom_id', async () => {
    const out = join(dir, 'r32.out');
    copyFileSync(join(FIX, 'R32-batch-output-4xx-in-response-body.jsonl'), out);
    const input = writeJsonl(join(dir, 'r32.jsonl'), ['req-3', 'req-1', 'req-2'].map((id) => ({ custom_id: id, body: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: id }] } })));
    const before = await requestsSoFar();
    const r = await relay([input, '-o', out, '--resume']);
    expect(r.code).toBe(0);
    expect(await requestsSoFar()).toBe(before + 2);
    const lines = readOut(out);
    expect(lines.map((l) => l.custom_id).sort()).toEqual(['req-1', 'req-2', 'req-3']);
    expect(lines.every((l) => l.response?.status_code === 200 && l.error === null)).toBe(true);
    expect(r.stderr).toMatch(/2 failed lines removed/);
    expect(existsSync(`${out}.relay-resume-tmp`)).toBe(false);
  });
});
