import { readFile } from 'node:fs/promises';
import { relative, resolve, isAbsolute } from 'node:path';
import { RelayError, EXIT } from '../core/errors.js';
import { loadConfig } from '../config/load.js';
import { applyOverrides, builtinPrices, type PriceBook } from './price-table.js';

// Where price overrides come from, in rising precedence: built-in < config `prices:` < --prices FILE.
// Each layer keeps its label so the listing and the projection footer can say which figure is whose.

export interface OverrideLayer {
  /** `config: relay.config.json` or `--prices my-prices.json`. */
  label: string;
  prices: unknown;
}

function shortPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** The config file's `prices:` map, through the shared loader (DESIGN 3). */
export async function configLayer(env: NodeJS.ProcessEnv, cwd: string, configPath?: string): Promise<OverrideLayer | undefined> {
  const loaded = await loadConfig({ env, cwd, configPath });
  if (!loaded.file || loaded.config.prices === undefined) return undefined;
  return { label: `config: ${shortPath(loaded.file, cwd)}`, prices: loaded.config.prices };
}

/**
 * A JSON file of overrides: `{ "model": { input, cachedInput, output, cacheWrite, batchDiscount } }`,
 * or the same map under `prices` (a config file) or `models` (the shape of relay's own prices.json).
 */
export async function pricesFileLayer(file: string, cwd: string): Promise<OverrideLayer> {
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RelayError(`--prices ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}; pass a JSON file of prices`, {
      code: 'config', exitCode: EXIT.config, cause: e,
    });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new RelayError(`--prices ${file}: not valid JSON (${(e as Error).message}); write { "model": { "input": 0.5, "output": 1.5 } }`, {
      code: 'config', exitCode: EXIT.config, cause: e,
    });
  }
  const o = doc as Record<string, unknown>;
  const prices = o && typeof o === 'object' && !Array.isArray(o)
    ? (o.models && typeof o.models === 'object' ? o.models : o.prices && typeof o.prices === 'object' ? o.prices : o)
    : doc;
  return { label: `--prices ${file}`, prices };
}

export function buildBook(layers: OverrideLayer[]): PriceBook {
  let book = builtinPrices();
  for (const layer of layers) {
    // prices.json's own descriptive keys are not models.
    const prices = layer.prices && typeof layer.prices === 'object'
      ? Object.fromEntries(Object.entries(layer.prices as Record<string, unknown>).filter(([k]) => !k.startsWith('_')))
      : layer.prices;
    book = applyOverrides(book, prices, layer.label);
  }
  return book;
}

/** Built-in prices with the config's and --prices overrides applied. */
export async function loadPriceBook(opts: { env: NodeJS.ProcessEnv; cwd: string; pricesFile?: string; configPath?: string }): Promise<PriceBook> {
  const layers: OverrideLayer[] = [];
  const fromConfig = await configLayer(opts.env, opts.cwd, opts.configPath);
  if (fromConfig) layers.push(fromConfig);
  if (opts.pricesFile) layers.push(await pricesFileLayer(opts.pricesFile, opts.cwd));
  return buildBook(layers);
}
