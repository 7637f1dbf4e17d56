import { readFile } from 'node:fs/promises';
import { resolve, relative, isAbsolute } from 'node:path';
import { RelayError, EXIT, usageError } from '../core/errors.js';
import type { Io } from '../cli/io.js';
import {
  parseAmount, parseFraction, parseMix, parsePeriod, parseDuration, parseScale, parseFx, parseCurrency,
} from '../cost/amounts.js';
import { ZERO } from '../cost/rational.js';
import { loadConfig } from '../config/load.js';
import { buildBook, pricesFileLayer, type OverrideLayer } from '../cost/overrides.js';
import type { PriceBook } from '../cost/price-table.js';
import { project, type Volume } from '../cost/projection.js';
import { projectionText, projectionJson, projectionCsv, type Conversion } from '../cost/projection-report.js';
import { readResults } from '../cost/from-results.js';
import { actualSpend } from '../cost/actual.js';
import { actualText, actualJson, actualCsv } from '../cost/actual-report.js';
import { filterBook, pricesText, pricesJson, pricesCsv } from '../cost/prices-report.js';

// `relay cost`: flags -> exact options -> projection or actual spend -> table / JSON / CSV on stdout.

export interface CostFlags {
  tokens?: string;
  requests?: string;
  in?: string;
  out?: string;
  mix?: string;
  compare?: string;
  inputShare?: string;
  cacheHit?: string;
  batchShare?: string;
  per?: string;
  from?: string;
  model?: string;
  covers?: string;
  scale?: string;
  prices?: string;
  config?: string;
  currency?: string;
  fx?: string;
  explain?: boolean;
  json?: boolean;
  csv?: boolean;
}

type Format = 'table' | 'json' | 'csv';

/** The config file's `prices:` map as an override layer labelled `config: <file>`. */
async function configLayer(io: Io, configPath?: string): Promise<OverrideLayer | undefined> {
  const loaded = await loadConfig({ env: io.env, cwd: io.cwd, configPath });
  if (!loaded.file || loaded.config.prices === undefined) return undefined;
  const rel = relative(io.cwd, loaded.file);
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : loaded.file;
  return { label: `config: ${shown}`, prices: loaded.config.prices };
}

/** Built-in prices, then the config's, then --prices FILE. */
async function loadPriceBook(io: Io, f: CostFlags): Promise<PriceBook> {
  const layers: OverrideLayer[] = [];
  const fromConfig = await configLayer(io, f.config);
  if (fromConfig) layers.push(fromConfig);
  if (f.prices) layers.push(await pricesFileLayer(f.prices, io.cwd));
  return buildBook(layers);
}

function format(f: CostFlags): Format {
  if (f.json && f.csv) throw usageError('--json and --csv both given; pick one');
  return f.json ? 'json' : f.csv ? 'csv' : 'table';
}

function conversion(f: CostFlags): Conversion | undefined {
  if (f.currency && !f.fx) throw usageError(`--currency ${f.currency} needs --fx RATE (USD to ${f.currency}); relay never looks exchange rates up`);
  if (f.fx && !f.currency) throw usageError('--fx needs --currency CODE naming the currency the rate converts to');
  return f.currency ? { code: parseCurrency(f.currency), rate: parseFx(f.fx!) } : undefined;
}

async function readInput(io: Io, from: string): Promise<string> {
  if (from === '-') {
    let text = '';
    io.stdin.setEncoding('utf8');
    for await (const chunk of io.stdin) text += chunk as string;
    return text;
  }
  try {
    return await readFile(resolve(io.cwd, from), 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RelayError(`--from ${from}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}; pass a relay batch output, chat --json or bench JSON file, or - for stdin`, {
      code: 'usage', exitCode: EXIT.usage, cause: e,
    });
  }
}

function volume(f: CostFlags): Volume {
  if (f.tokens && f.requests) throw usageError('--tokens and --requests both given; use --tokens AMOUNT, or --requests N --in T --out T');
  if (f.tokens) {
    if (f.in || f.out) throw usageError('--in and --out go with --requests (per-request averages), not with --tokens');
    return { kind: 'tokens', tokens: parseAmount(f.tokens, '--tokens', { whole: true }) };
  }
  if (f.requests) {
    if (!f.in || !f.out) throw usageError('--requests needs --in and --out: the average input and output tokens per request');
    if (f.inputShare) throw usageError('--input-share does not apply to --requests: --in and --out already give the split');
    return {
      kind: 'requests',
      requests: parseAmount(f.requests, '--requests', { whole: true }),
      inPerRequest: parseAmount(f.in, '--in'),
      outPerRequest: parseAmount(f.out, '--out'),
    };
  }
  throw usageError('relay cost needs --tokens AMOUNT or --requests N --in T --out T together with --mix, or --from FILE (see relay cost --help)');
}

function write(io: Io, fmt: Format, text: () => string, json: () => unknown, csv: () => string): void {
  io.stdout.write(fmt === 'json' ? JSON.stringify(json(), null, 2) + '\n' : fmt === 'csv' ? csv() : text());
}

export async function costCommand(io: Io, f: CostFlags): Promise<number> {
  const fmt = format(f);
  const currency = conversion(f);
  if (f.from) {
    const projecting = (['tokens', 'requests', 'in', 'out', 'mix', 'compare', 'inputShare', 'cacheHit', 'batchShare', 'per'] as const).filter((k) => f[k] !== undefined);
    if (projecting.length) throw usageError(`--from prices a finished run; ${projecting.map((k) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())).join(', ')} belong to a projection. Use one or the other`);
    if (f.scale && f.covers) throw usageError('--scale and --covers both given; use --covers DURATION (what the run covers) or --scale FACTOR');
    const scale = f.scale ? parseScale(f.scale) : undefined;
    const coversDays = f.covers ? parseDuration(f.covers, '--covers') : undefined;
    const book = await loadPriceBook(io, f);
    const source = f.from === '-' ? 'stdin' : f.from;
    const read = readResults(await readInput(io, f.from));
    if (!read.records.length) {
      const why = read.skipped.length ? ` (${read.skipped.length} line(s) skipped: ${[...new Set(read.skipped.map((s) => s.reason))].join(', ')})` : '';
      throw usageError(`--from ${source}: no token usage found${why}${read.failedWithoutUsage ? `; ${read.failedWithoutUsage} failed request(s) carried none` : ''}; expected relay batch output, chat --json or bench JSON with per-request usage`);
    }
    const actual = actualSpend(book, read, { model: f.model, coversDays, scale, source });
    write(io, fmt, () => actualText(actual, source, { explain: f.explain, currency }), () => actualJson(actual, source, currency), () => actualCsv(actual, currency));
    return 0;
  }
  if (f.scale || f.covers) throw usageError('--scale and --covers project the spend read with --from; for a projection use --tokens or --requests with --per');
  if (f.model) throw usageError('--model names the model of --from records that have none; for a projection use --mix MODEL=100');
  const vol = volume(f);
  if (!f.mix) throw usageError('--mix is required: which models share the traffic, e.g. --mix deepseek-v3.2=70,gpt-4.1=30');
  const mix = parseMix(f.mix);
  const input = {
    volume: vol,
    period: f.per ? parsePeriod(f.per) : ('month' as const),
    mix,
    inputShare: f.inputShare ? parseFraction(f.inputShare, '--input-share') : undefined,
    cacheHit: f.cacheHit ? parseFraction(f.cacheHit, '--cache-hit') : ZERO,
    batchShare: f.batchShare ? parseFraction(f.batchShare, '--batch-share') : ZERO,
    compare: (f.compare ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  };
  const book = await loadPriceBook(io, f);
  const p = project(book, input);
  write(io, fmt, () => projectionText(p, { explain: f.explain, currency }), () => projectionJson(p, currency), () => projectionCsv(p, currency));
  return 0;
}

export async function costPricesCommand(io: Io, filter: string | undefined, f: CostFlags): Promise<number> {
  const fmt = format(f);
  const book = await loadPriceBook(io, f);
  const entries = filterBook(book, filter);
  if (!entries.length) {
    throw usageError(`no known model matches ${JSON.stringify(filter)}; run relay cost prices without a filter to see them all`);
  }
  write(io, fmt, () => pricesText(entries), () => pricesJson(entries), () => pricesCsv(entries));
  return 0;
}
