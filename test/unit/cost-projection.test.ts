import { describe, expect, it } from 'vitest';
import { parseMix } from '../../src/cost/amounts.js';
import { parseDecimal, int, ZERO } from '../../src/cost/rational.js';
import { builtinPrices } from '../../src/cost/price-table.js';
import { project, type ProjectionInput } from '../../src/cost/projection.js';
import { projectionText, projectionJson, projectionCsv } from '../../src/cost/projection-report.js';
import { RelayError } from '../../src/core/errors.js';

const d = (s: string) => parseDecimal(s)!;
const book = builtinPrices();

function seed(over: Partial<ProjectionInput> = {}): ProjectionInput {
  return {
    volume: { kind: 'tokens', tokens: int(10_000_000) },
    period: 'month',
    mix: parseMix('deepseek-v3.2=70,gpt-4.1=30'),
    cacheHit: ZERO,
    batchShare: ZERO,
    compare: [],
    ...over,
  };
}

describe('golden projections (10M tokens, 70% deepseek-v3.2 + 30% gpt-4.1)', () => {
  it('all priced as output: $2.94 + $24.00 = $26.94 (not the $27.60 a widely read guide prints)', () => {
    const p = project(book, seed({ inputShare: ZERO }));
    expect(p.rows.map((r) => r.usd.toDecimal())).toEqual(['2.94', '24']);
    expect(p.total.eq(d('26.94'))).toBe(true);
    expect(p.total.eq(d('27.6'))).toBe(false);
  });

  it('80% input: exactly $11.756, shown as $11.76', () => {
    const p = project(book, seed({ inputShare: d('0.8') }));
    // deepseek: 5.6M x 0.28 + 1.4M x 0.42 = 2.156; gpt-4.1: 2.4M x 2 + 0.6M x 8 = 9.6
    expect(p.rows.map((r) => r.usd.toDecimal())).toEqual(['2.156', '9.6']);
    expect(p.total.toDecimal()).toBe('11.756');
    expect(projectionText(p)).toMatch(/^total\s.*\$11\.76$/m);
    expect((projectionJson(p) as { total: { usd: number } }).total.usd).toBe(11.756);
  });

  it('80% input with half of it cached: exactly $9.2504', () => {
    const p = project(book, seed({ inputShare: d('0.8'), cacheHit: d('0.5') }));
    // deepseek: 2.8M x 0.28 + 2.8M x 0.028 + 1.4M x 0.42 = 1.4504; gpt-4.1: 1.2M x 2 + 1.2M x 0.5 + 0.6M x 8 = 7.8
    expect(p.rows.map((r) => r.usd.toDecimal())).toEqual(['1.4504', '7.8']);
    expect(p.total.toDecimal()).toBe('9.2504');
    expect(p.rows[0]!.cachedIn.toString()).toBe('2800000');
  });

  it('compares the mix with each model alone: saves $53.06 (66.33%) against all gpt-4.1', () => {
    const p = project(book, seed({ inputShare: ZERO }));
    const [allDs, allGpt, mix] = p.scenarios;
    expect(allDs!.usd.toDecimal()).toBe('4.2');
    expect(allDs!.savings!.toDecimal()).toBe('-22.74');
    expect(allGpt!.usd.toDecimal()).toBe('80');
    expect(allGpt!.savings!.toDecimal()).toBe('53.06');
    expect(allGpt!.savingsPct!.mul(int(100)).toDecimal(2)).toBe('66.33');
    expect(mix!.usd.toDecimal()).toBe('26.94');
    const text = projectionText(p);
    expect(text).toMatch(/all gpt-4\.1\s+\$80\.00\s+mix saves \$53\.06 \(66\.33%\)/);
    expect(text).toMatch(/all deepseek-v3\.2\s+\$4\.20\s+mix costs \$22\.74 more/);
  });

  it('names the price source and date of every model in the footer', () => {
    const text = projectionText(project(book, seed({ inputShare: ZERO })));
    expect(text).toContain('prices: deepseek-v3.2: https://api-docs.deepseek.com/quick_start/pricing as of 2025-09-29');
    expect(text).toContain('gpt-4.1: https://openai.com/api/pricing/ as of 2025-04-14');
  });

  it('states the default input share and why when none is given', () => {
    const p = project(book, seed());
    expect(p.inputShareDefaulted).toBe(true);
    expect(p.inputShare.toDecimal()).toBe('0.75');
    expect(projectionText(p)).toMatch(/input share 75% \(default: 3 input tokens per output token.*set --input-share\)/);
  });
});

describe('other volumes and options', () => {
  it('per-request averages: 100k requests x (500 in + 200 out) on gpt-4.1-mini = $52.00', () => {
    const p = project(book, seed({
      volume: { kind: 'requests', requests: int(100_000), inPerRequest: int(500), outPerRequest: int(200) },
      mix: parseMix('gpt-4.1-mini'),
    }));
    // 50M x 0.40 + 20M x 1.60
    expect(p.total.toDecimal()).toBe('52');
    expect(p.scenarios).toEqual([]);
  });

  it('converts between periods with a 30-day month and a 365-day year', () => {
    const p = project(book, seed({ inputShare: ZERO, period: 'day' }));
    expect(p.otherPeriods.map((o) => [o.period, o.usd.toDecimal()])).toEqual([['month', '808.2'], ['year', '9833.1']]);
  });

  it('adds --compare models as scenarios without changing the mix', () => {
    const p = project(book, seed({ inputShare: ZERO, compare: ['claude-sonnet-4-5'] }));
    expect(p.total.toDecimal()).toBe('26.94');
    expect(p.scenarios.map((s) => s.name)).toEqual(['all deepseek-v3.2', 'all gpt-4.1', 'all claude-sonnet-4-5', 'mix']);
    expect(p.scenarios[2]!.usd.toDecimal()).toBe('150');
  });

  it('applies the batch discount to the batch share', () => {
    const p = project(book, seed({ mix: parseMix('gpt-4.1'), inputShare: ZERO, batchShare: d('1') }));
    expect(p.total.toDecimal()).toBe('40');
  });

  it('refuses unknown models, naming the closest known ones for each, with exit code 2', () => {
    let err: unknown;
    try { project(book, seed({ mix: parseMix('deepsek-v3.2=50,gpt-4.2=50') })); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(RelayError);
    expect((err as RelayError).exitCode).toBe(2);
    expect((err as RelayError).message).toMatch(/"deepsek-v3\.2" \(closest known: deepseek-v3\.2/);
    expect((err as RelayError).message).toMatch(/"gpt-4\.2" \(closest known: gpt-4\.1/);
    expect((err as RelayError).message).toMatch(/will not guess/);
  });
});

describe('projection CSV', () => {
  it('writes numbers as numbers, including negative savings', () => {
    const csv = projectionCsv(project(book, seed({ inputShare: ZERO })));
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('row,name,share_pct,tokens_in,cached_in,tokens_out,usd_per_mtok_in,usd_per_mtok_cached,usd_per_mtok_out,cost_usd,savings_usd,savings_pct');
    expect(lines).toContain('total,mix,100,0,0,10000000,,,,26.94,,');
    expect(lines.find((l) => l.startsWith('scenario,all deepseek-v3.2'))).toBe('scenario,all deepseek-v3.2,,,,,,,,4.2,-22.74,-541.428571429');
  });
});
