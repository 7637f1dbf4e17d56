import { usageError } from '../core/errors.js';
import type { RequestFlags } from '../cli/request-flags.js';
import { parseDecimal } from '../cost/rational.js';
import { parseTtl } from '../batch/cache.js';
import { toFemto } from '../batch/pricing.js';
import { parseShare, SHARE_HELP } from './share-flag.js';
import { shownUrl } from '../core/http1-head.js';

// `relay batch` flags -> checked settings. Every problem is reported at once, one per line.

export interface BatchOptions extends RequestFlags {
  input: string;
  output?: string;
  concurrency?: string;
  rpm?: string;
  tpm?: string;
  system?: string;
  temperature?: string;
  maxTokens?: string;
  resume?: boolean;
  skipFailed?: boolean;
  overwrite?: boolean;
  ordered?: boolean;
  errors?: string;
  dedup?: boolean;
  cache?: string;
  cacheTtl?: string;
  maxCost?: string;
  maxErrorRate?: string;
  prices?: string;
  dryRun?: boolean;
  grace?: string;
  summaryJson?: string;
  report?: string;
  quiet?: boolean;
}

export interface BatchSettings {
  concurrency: number;
  rpm?: number;
  tpm?: number;
  temperature?: number;
  maxTokens?: number;
  /** In femto-dollars (batch/pricing.ts). */
  maxCost?: bigint;
  maxCostText?: string;
  maxErrorRate: number;
  graceMs: number;
  cacheTtlMs?: number;
}

export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_GRACE_S = 10;
export const BATCH_RETRIES = 5;

export function parseBatchOptions(o: BatchOptions): BatchSettings {
  const problems: string[] = [];
  const int = (flag: string, raw: string | undefined, min: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      problems.push(`${flag} takes a whole number >= ${min}, got "${raw}"`);
      return undefined;
    }
    return n;
  };
  const num = (flag: string, raw: string | undefined, min: number, max: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      problems.push(`${flag} takes a number from ${min} to ${max}, got "${raw}"`);
      return undefined;
    }
    return n;
  };
  const share = (raw: string | undefined): number => {
    if (raw === undefined) return 0;
    const v = parseShare(raw);
    if (v === undefined) problems.push(`--max-error-rate takes ${SHARE_HELP}, got "${raw}"`);
    return v ?? 0;
  };
  const s: BatchSettings = {
    concurrency: int('-c/--concurrency', o.concurrency, 1) ?? DEFAULT_CONCURRENCY,
    rpm: int('--rpm', o.rpm, 1),
    tpm: int('--tpm', o.tpm, 1),
    temperature: num('--temperature', o.temperature, 0, 2),
    maxTokens: int('--max-tokens', o.maxTokens, 1),
    maxErrorRate: share(o.maxErrorRate),
    graceMs: (num('--grace', o.grace, 0, 3600) ?? DEFAULT_GRACE_S) * 1000,
  };
  if (o.maxCost !== undefined) {
    const v = parseDecimal(o.maxCost.trim().replace(/^\$/, ''));
    if (!v || v.sign() <= 0) problems.push(`--max-cost takes an amount in USD above 0, e.g. --max-cost 25 or 0.50, got "${o.maxCost}"`);
    else {
      s.maxCost = toFemto(v);
      s.maxCostText = `$${o.maxCost.trim().replace(/^\$/, '')}`;
    }
  }
  if (o.cacheTtl !== undefined) {
    if (!o.cache) problems.push('--cache-ttl needs --cache DIR');
    const ttl = parseTtl(o.cacheTtl);
    if (ttl === undefined || ttl <= 0) problems.push(`--cache-ttl takes a duration like 30m, 12h or 7d, got "${o.cacheTtl}"`);
    else s.cacheTtlMs = ttl;
  }
  if (o.resume && !o.output) problems.push('--resume needs -o FILE: the output file is what tells relay which lines are done');
  if (o.skipFailed && !o.resume) problems.push('--skip-failed only makes sense with --resume');
  if (o.resume && o.overwrite) problems.push('--resume and --overwrite contradict each other: resume keeps the file, overwrite replaces it');
  if (o.output && o.output === o.input) problems.push('-o must not be the input file');
  if (o.errors && o.errors === o.output) problems.push('--errors must be another file than -o');
  if (problems.length === 1) throw usageError(problems[0]!);
  if (problems.length) throw usageError(`${problems.length} problems with the flags:\n  ${problems.join('\n  ')}`);
  return s;
}

/** The command line that continues this run: the same arguments, with --resume (and no --overwrite). */
export function resumeCommand(argv: string[]): string {
  const args = argv.filter((a) => a !== '--overwrite' && a !== '--dry-run');
  if (!args.includes('--resume')) args.push('--resume');
  // A user:password in a URL argument is a credential: printed without it, and said so.
  const shown = args.map((a) => (/^https?:/i.test(a) ? shownUrl(a) : a));
  const cut = shown.some((a, i) => a !== args[i]);
  return ['relay', ...shown.map(shellQuote)].join(' ') + (cut ? ' (the user:password of the URL left out: add it back, or set it in RELAY_BASE_URL)' : '');
}

export function shellQuote(a: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
