import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RelayError, EXIT } from '../core/errors.js';
import { applyOverrides, builtinPrices, type PriceBook } from './price-table.js';

// Price override layers, in rising precedence: built-in < config `prices:` < --prices FILE. Each
// layer keeps its label so the listing and the projection footer can say which figure is whose.
// (The config layer is read by the command through the shared config loader.)

export interface OverrideLayer {
  /** `config: relay.config.json` or `--prices my-prices.json`. */
  label: string;
  prices: unknown;
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
