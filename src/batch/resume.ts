import { closeSync, createReadStream, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync, ftruncateSync, writeSync } from 'node:fs';
import { usageError } from '../core/errors.js';
import { readLines } from './jsonl.js';
import { IdSet, idHashes } from './keys.js';
import { classifyOutputLine } from './records.js';

// --resume: what the existing output file already holds, made safe to append to.
// 1. A last line without its newline is what a kill -9 (or a full disk) in the middle of a write
//    leaves: if it is not a whole record it is cut off, and that id runs again.
// 2. Ids with a success are done. Failed ones run again (unless --skip-failed), so their old lines
//    are removed first: the file is rewritten to a temporary file and renamed over the original,
//    which a crash leaves either untouched or complete. Afterwards every id appears at most once.
// Memory stays small for millions of lines: ids are kept as hash pairs (keys.ts IdSet).

export interface ResumeState {
  done: IdSet;
  succeeded: number;
  /** Successes that were sent (not --cache hits): proof that the key worked. */
  sentOk: number;
  /** Failed lines kept as done (--skip-failed). */
  failedKept: number;
  /** Failed lines removed so they run again. */
  failedRemoved: number;
  /** Lines that were not records (removed) and duplicate records of one id (removed). */
  unreadable: number;
  duplicates: number;
  /** Bytes of a torn last line that were cut off (0 when the file ended cleanly). */
  repairedBytes: number;
  rewritten: boolean;
  existed: boolean;
}

export function tempPathFor(path: string): string {
  return `${path}.relay-resume-tmp`;
}

/** Cuts a torn last line off (or completes it with a newline when it is a whole record). */
function repairTail(path: string): number {
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 0;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] === 0x0a) return 0;
    // Find the last newline, reading backwards in blocks.
    const block = Buffer.alloc(64 * 1024);
    let end = size;
    let cut = 0;
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const n = readSync(fd, block, 0, end - start, start);
      const i = block.subarray(0, n).lastIndexOf(0x0a);
      if (i >= 0) {
        cut = start + i + 1;
        break;
      }
      end = start;
    }
    const tail = Buffer.alloc(size - cut);
    readSync(fd, tail, 0, tail.length, cut);
    if (classifyOutputLine(tail.toString('utf8').replace(/\r$/, ''))) {
      writeSync(fd, '\n', size);
      return 0;
    }
    ftruncateSync(fd, cut);
    return size - cut;
  } finally {
    closeSync(fd);
  }
}

async function* records(path: string) {
  for await (const batch of readLines(createReadStream(path, { highWaterMark: 1 << 20 }))) {
    for (const line of batch) yield { text: line.text, rec: line.text === undefined ? undefined : classifyOutputLine(line.text) };
  }
}

export async function prepareResume(path: string, opts: { skipFailed: boolean }): Promise<ResumeState> {
  rmSync(tempPathFor(path), { force: true });
  const state: ResumeState = {
    done: IdSet.from([]), succeeded: 0, sentOk: 0, failedKept: 0, failedRemoved: 0, unreadable: 0, duplicates: 0,
    repairedBytes: 0, rewritten: false, existed: false,
  };
  try {
    if (!statSync(path).isFile()) return state;
  } catch {
    return state;
  }
  state.existed = true;
  await refuseForeign(path);
  state.repairedBytes = repairTail(path);

  // Pass A: which ids succeeded, which failed, and whether anything must be removed.
  const okB = IdSet.builder();
  const failB = IdSet.builder();
  let failedLines = 0;
  for await (const { rec } of records(path)) {
    if (!rec) state.unreadable++;
    else if (rec.ok) okB.add(rec.customId);
    else {
      failB.add(rec.customId);
      failedLines++;
    }
  }
  const ok = okB.build();
  const fail = failB.build();
  const okRepeats = ok.repeats();
  const failRepeats = fail.repeats();
  const rewrite = state.unreadable > 0 || okRepeats.size > 0 || (failedLines > 0 && (!opts.skipFailed || failRepeats.size > 0 || anyShared(fail, ok)));
  const done = IdSet.builder();

  // Pass B: keep one line per id (the success, or with --skip-failed the first failure of an id
  // that never succeeded); write them to a temporary file when anything goes.
  const seen = new Set<string>(); // only ids that occur more than once
  const tmp = tempPathFor(path);
  const fd = rewrite ? openSync(tmp, 'w', 0o644) : -1;
  try {
    for await (const { text, rec } of records(path)) {
      if (!rec) continue;
      const [x, y] = idHashes(rec.customId);
      const pair = `${x}:${y}`;
      let keep: boolean;
      if (rec.ok) keep = !okRepeats.has(pair) || !seen.has('ok ' + rec.customId);
      else keep = opts.skipFailed && !ok.hasHash(x, y) && (!failRepeats.has(pair) || !seen.has('failed ' + rec.customId));
      if ((rec.ok ? okRepeats : failRepeats).has(pair)) seen.add((rec.ok ? 'ok ' : 'failed ') + rec.customId);
      if (!keep) {
        if (rec.ok) state.duplicates++;
        else state.failedRemoved++;
        continue;
      }
      if (rec.ok) {
        state.succeeded++;
        if (!rec.cached) state.sentOk++;
      }
      else state.failedKept++;
      done.addHash(x, y);
      if (fd >= 0) writeSync(fd, text + '\n');
    }
    if (fd >= 0) fsyncSync(fd);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  if (fd >= 0) {
    renameSync(tmp, path);
    state.rewritten = true;
  }
  state.done = done.build();
  return state;
}

/**
 * Before anything is changed: every complete line must be a result record. A file that is not
 * relay's output (the input itself, notes, another program's data) is refused, not "repaired":
 * only a torn last line (no final newline) is what an interrupted write leaves.
 */
async function refuseForeign(path: string): Promise<void> {
  const size = statSync(path).size;
  let endsClean = true;
  if (size > 0) {
    const fd = openSync(path, 'r');
    try {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      endsClean = last[0] === 0x0a;
    } finally {
      closeSync(fd);
    }
  }
  const bad: number[] = [];
  let badCount = 0;
  let lastBad = false;
  let lastNo = 0;
  for await (const batch of readLines(createReadStream(path, { highWaterMark: 1 << 20 }))) {
    for (const line of batch) {
      lastNo = line.lineNo;
      lastBad = !(line.text !== undefined && classifyOutputLine(line.text));
      if (!lastBad) continue;
      badCount++;
      if (bad.length < 6) bad.push(line.lineNo);
    }
  }
  if (lastBad && !endsClean) {
    // The torn last line: repairTail cuts it off. It is not counted against the file.
    badCount--;
    if (bad[bad.length - 1] === lastNo) bad.pop();
  }
  if (badCount === 0) return;
  bad.length = Math.min(bad.length, 5);
  const which = badCount === 1 ? `line ${bad[0]} is not a result record` : `${badCount} lines are not result records: ${bad.join(', ')}${badCount > bad.length ? ', …' : ''}`;
  throw usageError(`--resume: ${path} is not a relay batch output file (${which}); nothing was changed: give -o a new file, or the output of an earlier run`);
}

/** Whether some failed id also has a success (its failure line must go). */
function anyShared(fail: IdSet, ok: IdSet): boolean {
  return fail.size > 0 && ok.size > 0 && fail.someIn(ok);
}
