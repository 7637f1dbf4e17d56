import { RelayError, EXIT, configError } from '../core/errors.js';
import builtin from './prices.json' with { type: 'json' };
import { Rational, fromNumber } from './rational.js';
import { closestNames } from './suggest.js';

// The price list: built-in entries (prices.json), then overrides from the config file and from
// --prices, each labelled with where it came from so every figure printed can be traced.

export const PRICE_FIELDS = ['input', 'cachedInput', 'output', 'cacheWrite', 'batchDiscount'] as const;
export type PriceField = (typeof PRICE_FIELDS)[number];
const TEXT_FIELDS = ['source', 'asOf', 'note', 'checked', 'provider'] as const;

export interface PriceEntry {
  model: string;
  provider?: string;
  /** USD per million tokens. */
  input: Rational;
  cachedInput?: Rational;
  output: Rational;
  cacheWrite?: Rational;
  /** Fraction taken off every token price for batch API traffic (0.5 = half price). */
  batchDiscount?: Rational;
  aliases: string[];
  /** Where the figures were published (a URL), or the override file when the user added the model. */
  source: string;
  asOf?: string;
  checked?: string;
  note?: string;
  /** `built-in`, `config: <file>` or `--prices <file>`. */
  origin: string;
  /** Fields an override replaced in a built-in entry (empty when the entry is entirely from origin). */
  overridden: PriceField[];
}

export interface PriceBook {
  entries: PriceEntry[];
}

export const BUILT_IN = 'built-in';

function isObj(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function readEntry(model: string, raw: Record<string, unknown>, origin: string): PriceEntry {
  const num = (k: PriceField) => (typeof raw[k] === 'number' ? fromNumber(raw[k] as number) : undefined);
  const text = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
  return {
    model,
    provider: text('provider'),
    input: num('input')!,
    cachedInput: num('cachedInput'),
    output: num('output')!,
    cacheWrite: num('cacheWrite'),
    batchDiscount: num('batchDiscount'),
    aliases: Array.isArray(raw.aliases) ? (raw.aliases as unknown[]).filter((a): a is string => typeof a === 'string') : [],
    source: text('source') ?? origin,
    asOf: text('asOf'),
    checked: text('checked'),
    note: text('note'),
    origin,
    overridden: [],
  };
}

export function builtinPrices(): PriceBook {
  const models = (builtin as { models: Record<string, Record<string, unknown>> }).models;
  return { entries: Object.entries(models).map(([m, raw]) => readEntry(m, raw, BUILT_IN)) };
}

/** Every problem in an override map, as `path: message` lines (CONVENTIONS 9). */
export function validateOverrides(raw: unknown, where: string, book: PriceBook): string[] {
  if (!isObj(raw)) return [`${where}: must map model names to { input, cachedInput, output, cacheWrite, batchDiscount }`];
  const problems: string[] = [];
  for (const [model, pr] of Object.entries(raw)) {
    const path = `${where}: ${model}`;
    if (!isObj(pr)) { problems.push(`${path}: must be an object with input, output (USD per 1M tokens)`); continue; }
    for (const [k, v] of Object.entries(pr)) {
      if ((PRICE_FIELDS as readonly string[]).includes(k)) {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) problems.push(`${path}.${k}: must be a number >= 0 (USD per 1M tokens)`);
        else if (k === 'batchDiscount' && v > 1) problems.push(`${path}.batchDiscount: is the fraction taken off (0.5 = 50% off), so at most 1`);
      } else if ((TEXT_FIELDS as readonly string[]).includes(k)) {
        if (typeof v !== 'string') problems.push(`${path}.${k}: must be a string`);
      } else if (k === 'aliases') {
        if (!Array.isArray(v) || v.some((a) => typeof a !== 'string')) problems.push(`${path}.aliases: must be a list of names`);
      } else {
        problems.push(`${path}.${k}: unknown field (known: ${[...PRICE_FIELDS, 'aliases', 'source', 'asOf', 'note'].join(', ')})`);
      }
    }
    if (!lookup(book, model)) {
      for (const k of ['input', 'output'] as const) {
        if (pr[k] === undefined) problems.push(`${path}.${k}: required for a model relay has no price for`);
      }
    }
  }
  return problems;
}

/**
 * Layers an override map over the book. Fields of a known model are replaced one by one (the
 * entry then names both origins); an unknown model is added whole. Throws a config error (exit 3)
 * listing every problem.
 */
export function applyOverrides(book: PriceBook, raw: unknown, origin: string): PriceBook {
  const problems = validateOverrides(raw, origin, book);
  if (problems.length) throw configError(problems);
  const entries = [...book.entries];
  for (const [model, pr] of Object.entries(raw as Record<string, Record<string, unknown>>)) {
    const existing = lookup({ entries }, model);
    if (!existing) { entries.push(readEntry(model, pr, origin)); continue; }
    const next: PriceEntry = { ...existing, origin, overridden: [...existing.overridden] };
    for (const k of PRICE_FIELDS) {
      if (typeof pr[k] !== 'number') continue;
      next[k] = fromNumber(pr[k] as number);
      if (!next.overridden.includes(k)) next.overridden.push(k);
    }
    for (const k of ['source', 'asOf', 'note'] as const) if (typeof pr[k] === 'string') next[k] = pr[k] as string;
    if (Array.isArray(pr.aliases)) next.aliases = [...next.aliases, ...(pr.aliases as string[])];
    entries[entries.indexOf(existing)] = next;
  }
  return { entries };
}

/** Exact name, alias, or a `provider/` prefix in front of either; case does not matter. */
export function lookup(book: PriceBook, name: string): PriceEntry | undefined {
  const q = name.trim().toLowerCase();
  const tries = q.includes('/') ? [q, q.slice(q.lastIndexOf('/') + 1)] : [q];
  for (const t of tries) {
    const hit = book.entries.find((e) => e.model.toLowerCase() === t || e.aliases.some((a) => a.toLowerCase() === t));
    if (hit) return hit;
  }
  return undefined;
}

export function suggestions(book: PriceBook, name: string): string[] {
  return closestNames(name, new Map(book.entries.map((e) => [e.model, e.aliases])));
}

/**
 * The entries for `names`, or one usage error (exit 2) naming every unknown model with the closest
 * known ones: never a guessed price.
 */
export function resolveModels(book: PriceBook, names: string[], context = ''): PriceEntry[] {
  const unknown = [...new Set(names.filter((n) => !lookup(book, n)))];
  if (unknown.length) {
    const each = unknown.map((n) => `${JSON.stringify(n)} (closest known: ${suggestions(book, n).join(', ')})`);
    throw new RelayError(
      `unknown model${unknown.length > 1 ? 's' : ''} ${each.join('; ')}${context}: relay has no price for ` +
        `${unknown.length > 1 ? 'them' : 'it'} and will not guess one. Add prices with --prices FILE or prices: in the config ('relay cost prices' lists known models)`,
      { code: 'unknown_model', exitCode: EXIT.usage },
    );
  }
  return names.map((n) => lookup(book, n)!);
}

export function resolveModel(book: PriceBook, name: string, context = ''): PriceEntry {
  return resolveModels(book, [name], context)[0]!;
}

/** Where one entry's figures come from, in one line: `https://… as of 2025-04-14` or with the override named. */
export function describeSource(e: PriceEntry): string {
  const base = `${e.source}${e.asOf ? ` as of ${e.asOf}` : ''}`;
  if (e.origin === BUILT_IN || !e.overridden.length) return e.origin === BUILT_IN || e.source === e.origin ? base : `${e.origin}: ${base}`;
  return `${e.overridden.join(', ')} from ${e.origin}; the rest ${base}`;
}

/** Price of cached input tokens: the cached rate, or the full input rate where the model has none. */
export function cachedRate(e: PriceEntry): Rational {
  return e.cachedInput ?? e.input;
}
