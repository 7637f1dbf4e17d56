import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runRelay, parseCsv, COST_FIXTURES } from '../helpers/cost-cli.js';

// `relay cost` end to end: the compiled binary, stdout (the answer), stderr (errors) and the exit
// code checked apart. Build first (npx tsc -p .).

const SEED = ['cost', '--tokens', '10M', '--mix', 'deepseek-v3.2=70,gpt-4.1=30'];
const fixture = (name: string) => resolve(COST_FIXTURES, name);

describe('relay cost projections', () => {
  it('prices the seed mix with --input-share 0 at $26.94', async () => {
    const r = await runRelay([...SEED, '--input-share', '0']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^deepseek-v3\.2\s+70%\s+0\s+0\s+7,000,000\s+0\.28\s+0\.028\s+0\.42\s+\$2\.94$/m);
    expect(r.stdout).toMatch(/^gpt-4\.1\s+30%\s+0\s+0\s+3,000,000\s+2\.00\s+0\.50\s+8\.00\s+\$24\.00$/m);
    expect(r.stdout).toMatch(/^total\s+100%\s+0\s+0\s+10,000,000\s+\$26\.94$/m);
    expect(r.stdout).toContain('prices: deepseek-v3.2: https://api-docs.deepseek.com/quick_start/pricing as of 2025-09-29');
  });

  it('prices 80% input at $11.76, exactly 11.756 in JSON', async () => {
    const table = await runRelay([...SEED, '--input-share', '0.8']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^total\s.*\$11\.76$/m);
    const json = await runRelay([...SEED, '--input-share', '0.8', '--json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc.total.usd).toBe(11.756);
    expect(doc.total.usdExact).toBe('11.756');
    expect(doc.models.map((m: { usd: number }) => m.usd)).toEqual([2.156, 9.6]);
  });

  it('with half the input cached: $9.25 (exactly 9.2504), and --explain shows each product', async () => {
    const r = await runRelay([...SEED, '--input-share', '0.8', '--cache-hit', '0.5', '--explain']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^total\s.*\$9\.25$/m);
    expect(r.stdout).toContain('2,800,000 cached in x $0.028/MTok = $0.0784');
    expect(r.stdout).toContain('1,200,000 cached in x $0.50/MTok = $0.60');
    expect(r.stdout).toContain('(exact $9.2504)');
  });

  it('refuses shares that do not add up to 100, saying what they add up to (exit 2)', async () => {
    const r = await runRelay(['cost', '--tokens', '10M', '--mix', 'deepseek-v3.2=70,gpt-4.1=20']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^relay: --mix shares add up to 90, not 100/);
  });

  it('refuses an unknown model, naming the closest known ones, and prints no price (exit 2)', async () => {
    const r = await runRelay(['cost', '--tokens', '1M', '--mix', 'gpt-4.2']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/unknown model "gpt-4\.2" \(closest known: gpt-4\.1, /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reads 250k and 1.5B', async () => {
    const small = await runRelay(['cost', '--tokens', '250k', '--mix', 'gpt-4.1', '--input-share', '0', '--json']);
    expect(JSON.parse(small.stdout).total.usd).toBe(2);
    const big = await runRelay(['cost', '--tokens', '1.5B', '--mix', 'gpt-4.1-nano', '--input-share', '0', '--json']);
    expect(JSON.parse(big.stdout).volume.tokens).toBe(1_500_000_000);
    expect(JSON.parse(big.stdout).total.usd).toBe(600);
    const bad = await runRelay(['cost', '--tokens', '1.5 billion', '--mix', 'gpt-4.1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/250k, 10M, 1\.5B/);
  });

  it('adds a converted column with the rate the user gave, and refuses --currency without --fx', async () => {
    const r = await runRelay([...SEED, '--input-share', '0', '--currency', 'CNY', '--fx', '7.3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^total\s.*\$26\.94\s+196\.66 CNY$/m);
    expect(r.stdout).toContain('1 USD = 7.3 CNY (the rate you gave with --fx)');
    const missing = await runRelay([...SEED, '--currency', 'CNY']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/needs --fx RATE/);
  });

  it('writes CSV whose cost cells are numbers', async () => {
    const r = await runRelay([...SEED, '--input-share', '0', '--csv']);
    expect(r.code).toBe(0);
    const rows = parseCsv(r.stdout);
    const total = rows.find((row) => row[0] === 'total')!;
    expect(total[rows[0]!.indexOf('cost_usd')]).toBe('26.94');
  });

  it('explains what to pass when nothing is given', async () => {
    const r = await runRelay(['cost']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs --tokens AMOUNT or --requests N --in T --out T together with --mix, or --from FILE/);
  });
});

describe('relay cost --from', () => {
  it('prices a batch output with cached and reasoning tokens once, counting the failed line that carried usage', async () => {
    const r = await runRelay(['cost', '--from', fixture('batch-output.jsonl'), '--covers', '1d']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^gpt-4\.1\s+3\s+1\s+17,000\s+8,000\s+850\s+0\s+\$0\.0288$/m);
    expect(r.stdout).toMatch(/^o4-mini\s+1\s+0\s+1,000\s+0\s+3,000\s+2,500\s+\$0\.0143$/m);
    expect(r.stdout).toMatch(/^total\s+5\s+1\s+23,000\s+12,000\s+4,650\s+3,100\s+\$0\.0438$/m);
    expect(r.stdout).toContain('counted because the provider may have billed it');
    // The failed column counts the failed requests priced in the row, not the ones left out.
    expect(r.stdout).toMatch(/^model\s+requests\s+of them failed\s+prompt/m);
    expect(r.stdout).toContain('per month: $1.31 (run covers 1 day(s); x 30 for a 30-day month)');
    const json = JSON.parse((await runRelay(['cost', '--from', fixture('batch-output.jsonl'), '--json'])).stdout);
    expect(json.total.usdExact).toBe('0.043828');
    expect(json.failedWithoutUsage).toBe(2);
  });

  it('reads from stdin with -', async () => {
    const r = await runRelay(['cost', '--from', '-', '--json'], { input: readFileSync(fixture('batch-output.jsonl'), 'utf8') });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).total.usd).toBe(0.043828);
  });

  it('R26 and R27 through chat --json documents priced with a --prices file, shown as such', async () => {
    const r26 = await runRelay(['cost', '--from', fixture('chat-r26.json'), '--prices', fixture('case-prices.json')]);
    expect(r26.code).toBe(0);
    expect(r26.stdout).toMatch(/^total\s.*\$0\.0056$/m);
    expect(r26.stdout).toMatch(/prices: r26-model: --prices .*case-prices\.json: shared case R26/);
    const json = JSON.parse((await runRelay(['cost', '--from', fixture('chat-r26.json'), '--prices', fixture('case-prices.json'), '--json'])).stdout);
    expect(json.total.usd).toBe(0.0055649);
    const r27 = JSON.parse((await runRelay(['cost', '--from', fixture('chat-r27.jsonl'), '--prices', fixture('case-prices.json'), '--json'])).stdout);
    expect(r27.total.usd).toBe(0.7923);
    expect(r27.total.usage.completionTokens).toBe(1944);
  });

  it('says when a file has nothing to price (exit 2)', async () => {
    const r = await runRelay(['cost', '--from', fixture('bench-without-usage.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no token usage found .*bench JSON without per-request usage/);
  });
});

describe('relay cost prices', () => {
  it('lists prices as JSON with source and date, filtered by name', async () => {
    const r = await runRelay(['cost', 'prices', 'deepseek', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.models).toHaveLength(1);
    expect(doc.models[0]).toMatchObject({ model: 'deepseek-v3.2', output: 0.42, origin: 'built-in', asOf: '2025-09-29', source: 'https://api-docs.deepseek.com/quick_start/pricing' });
    expect(doc.models[0].aliases).toEqual(expect.arrayContaining(['deepseek-chat', 'deepseek-reasoner']));
  });

  it('lists prices as CSV', async () => {
    const r = await runRelay(['cost', 'prices', '--csv']);
    expect(r.code).toBe(0);
    const rows = parseCsv(r.stdout);
    expect(rows[0]!.slice(0, 5)).toEqual(['model', 'provider', 'input', 'cached_input', 'output']);
    const gpt = rows.find((row) => row[0] === 'gpt-4.1')!;
    expect(gpt.slice(2, 5)).toEqual(['2', '0.5', '8']);
    expect(rows.length).toBeGreaterThanOrEqual(15);
  });

  it('shows a --prices override as such, in the listing and in a projection', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-cost-'));
    try {
      writeFileSync(join(dir, 'mine.json'), JSON.stringify({ 'gpt-4.1': { output: 10 }, 'my-model': { input: 0.5, output: 1.5 } }));
      const list = await runRelay(['cost', 'prices', 'gpt-4.1', '--prices', 'mine.json'], { cwd: dir });
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(/^gpt-4\.1\s+2\.00\s+0\.50\s+10\.00\s+-\s+50% off\s+--prices mine\.json \(output; rest built-in\)/m);
      const proj = await runRelay(['cost', '--tokens', '1M', '--mix', 'gpt-4.1=50,my-model=50', '--input-share', '0', '--prices', 'mine.json'], { cwd: dir });
      expect(proj.code).toBe(0);
      expect(proj.stdout).toMatch(/^total\s.*\$5\.75$/m);
      expect(proj.stdout).toContain('gpt-4.1: output from --prices mine.json; the rest https://openai.com/api/pricing/ as of 2025-04-14');
      expect(proj.stdout).toContain('my-model: --prices mine.json');
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ 'x-model': { input: 1 } }));
      const bad = await runRelay(['cost', 'prices', '--prices', 'bad.json'], { cwd: dir });
      expect(bad.code).toBe(3);
      expect(bad.stderr).toMatch(/x-model\.output: required/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('prices from the config file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'relay-cost-config-'));
    writeFileSync(join(dir, '.relayrc.json'), JSON.stringify({ prices: { 'house-model': { input: 0.2, output: 0.6 }, 'deepseek-v3.2': { output: 0.5 } } }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists config entries with the file they came from, and --prices wins over the config', async () => {
    const r = await runRelay(['cost', 'prices', '--json'], { cwd: dir });
    expect(r.code).toBe(0);
    const models = JSON.parse(r.stdout).models as { model: string; origin: string; output: number }[];
    expect(models.find((m) => m.model === 'house-model')).toMatchObject({ origin: 'config: .relayrc.json', output: 0.6 });
    expect(models.find((m) => m.model === 'deepseek-v3.2')).toMatchObject({ origin: 'config: .relayrc.json', output: 0.5 });
    writeFileSync(join(dir, 'p.json'), JSON.stringify({ 'deepseek-v3.2': { output: 0.45 } }));
    const both = await runRelay(['cost', 'prices', 'deepseek', '--json', '--prices', 'p.json'], { cwd: dir });
    expect(JSON.parse(both.stdout).models[0]).toMatchObject({ origin: '--prices p.json', output: 0.45 });
  });
});
