import { reservationTokens, completionReserve } from '../limit/estimate.js';
import { readLines } from './jsonl.js';
import { HashList, IdSet, canonicalHash, hash53 } from './keys.js';
import { parseLine, type LineDefaults } from './request.js';

// Pass 1 over the input, before any request: how many lines, which ids repeat (refused up front,
// exit 2, DESIGN issue 4), which lines name no model, which requests repeat (dedup candidates),
// and for --dry-run the token estimate per model. Memory: 8 bytes per line for each hash list.

export type Source = () => AsyncIterable<Buffer | string>;

export interface ScanOptions {
  defaults: LineDefaults;
  /** Find identical requests (dedup within the run). */
  dedup: boolean;
  /** Tokenizer estimates per model (--dry-run, or a --tpm preflight). */
  estimate: boolean;
  /** Resume: ids already done are not work. */
  done?: IdSet;
  maxLineBytes?: number;
}

export interface ModelEstimate {
  lines: number;
  promptTokens: number;
  /** n x max_tokens summed (the limiter's default reserve for lines that set none): what the replies may cost. */
  maxOutputTokens: number;
}

export interface ScanResult {
  /** Non-blank lines: each gets exactly one output record. */
  lines: number;
  /** Lines not already done (resume). */
  toRun: number;
  invalid: Record<string, number>;
  /** The first few invalid lines' messages (`line 3: not valid JSON ...`). */
  firstErrors: string[];
  duplicateIds: Array<{ id: string; lines: number[] }>;
  missingModel: { count: number; first: number[] };
  /** hash53 of a canonical request body -> how many lines send it (only when > 1). */
  repeats: Map<number, number>;
  /** Every model named, with its line count; tokens only when estimating. */
  models: Map<string, ModelEstimate>;
  /** User ids that start with `line-`: auto ids equal to one of them get a suffix (request.ts). */
  lineIds?: IdSet;
  /** Largest single reservation (prompt + n x max_tokens) and its line, when estimating. */
  largest?: { line: number; tokens: number };
}

export function bodyHash(body: unknown): number {
  return canonicalHash(body);
}

export async function scanInput(source: Source, opts: ScanOptions): Promise<ScanResult> {
  const res: ScanResult = {
    lines: 0, toRun: 0, invalid: {}, firstErrors: [], duplicateIds: [], missingModel: { count: 0, first: [] }, repeats: new Map(), models: new Map(),
  };
  const idHashes = new HashList();
  const bodies = new HashList();
  const lineIds = IdSet.builder();
  for await (const batch of readLines(source(), opts.maxLineBytes)) {
    for (const line of batch) {
      res.lines++;
      const item = parseLine(line, opts.defaults);
      // Auto ids (line-<n>) are unique among themselves and made unique against user ids below.
      if (!item.autoId) {
        idHashes.push(hash53(item.id));
        if (item.id.startsWith('line-')) lineIds.add(item.id);
      }
      if (!opts.done?.has(item.id)) res.toRun++;
      if (item.error) {
        res.invalid[item.error.code] = (res.invalid[item.error.code] ?? 0) + 1;
        if (res.firstErrors.length < 10) res.firstErrors.push(item.error.message);
        if (item.missingModel) {
          res.missingModel.count++;
          if (res.missingModel.first.length < 5) res.missingModel.first.push(item.lineNo);
        }
        continue;
      }
      const req = item.request!;
      if (opts.dedup) bodies.push(bodyHash(req));
      let m = res.models.get(req.model);
      if (!m) res.models.set(req.model, (m = { lines: 0, promptTokens: 0, maxOutputTokens: 0 }));
      m.lines++;
      if (opts.estimate) {
        const { prompt, total } = await reservationTokens(req);
        m.promptTokens += prompt;
        m.maxOutputTokens += completionReserve(req); // the limiter's default where a line sets no max_tokens
        if (!res.largest || total > res.largest.tokens) res.largest = { line: item.lineNo, tokens: total };
      }
    }
  }
  res.repeats = bodies.repeats();
  const taken = lineIds.build();
  if (taken.size) {
    res.lineIds = taken;
    // Resume: the done set holds the suffixed auto ids, so count again with them.
    if (opts.done) res.toRun = await countToRun(source, opts, taken);
  }
  const candidates = idHashes.repeats();
  if (candidates.size) res.duplicateIds = await confirmDuplicates(source, opts, candidates);
  return res;
}

async function countToRun(source: Source, opts: ScanOptions, taken: IdSet): Promise<number> {
  let n = 0;
  for await (const batch of readLines(source(), opts.maxLineBytes)) {
    for (const line of batch) if (!opts.done!.has(parseLine(line, opts.defaults, taken).id)) n++;
  }
  return n;
}

/** Hash candidates are checked against the real ids: only true repeats are reported. */
async function confirmDuplicates(source: Source, opts: ScanOptions, candidates: Map<number, number>): Promise<ScanResult['duplicateIds']> {
  const seen = new Map<string, number[]>();
  for await (const batch of readLines(source(), opts.maxLineBytes)) {
    for (const line of batch) {
      const item = parseLine(line, opts.defaults);
      if (item.autoId || !candidates.has(hash53(item.id))) continue;
      const list = seen.get(item.id);
      if (list) list.push(item.lineNo);
      else seen.set(item.id, [item.lineNo]);
    }
  }
  return [...seen].filter(([, lines]) => lines.length > 1).map(([id, lines]) => ({ id, lines }));
}
