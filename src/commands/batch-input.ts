import { createReadStream, createWriteStream, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Io } from '../cli/io.js';
import { usageError } from '../core/errors.js';
import type { Source } from '../batch/scan.js';

// The input is read twice (checks first, then the run), so stdin is first copied to a private
// temporary file (0600, removed at the end): memory stays bounded whatever is piped in.

export interface OpenedInput {
  source: Source;
  cleanup(): void;
}

const CHUNK = 256 * 1024;

export async function openInput(input: string, io: Io): Promise<OpenedInput> {
  if (input === '-') {
    if (io.stdin.isTTY) throw usageError('input is - but nothing is piped on stdin; pipe a JSONL file in, or give its path');
    const dir = mkdtempSync(join(tmpdir(), 'relay-batch-'));
    const path = join(dir, 'stdin.jsonl');
    try {
      await pipeline(io.stdin, createWriteStream(path, { mode: 0o600 }));
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    return { source: () => createReadStream(path, { highWaterMark: CHUNK }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }
  let isFile = false;
  try {
    isFile = statSync(input).isFile();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw usageError(`cannot read ${input}: ${code === 'ENOENT' ? 'no such file' : code}; give the path of a JSONL file, or - for stdin`);
  }
  if (!isFile) throw usageError(`${input} is not a file; give the path of a JSONL file, or - for stdin`);
  return { source: () => createReadStream(input, { highWaterMark: CHUNK }), cleanup: () => {} };
}

/** What identifies a file: device and inode when it exists (symlinks and hard links followed), else its resolved path. */
function fileIdentity(path: string): string {
  try {
    const st = statSync(path);
    return `inode ${st.dev}:${st.ino}`;
  } catch {
    // Not there yet: the real folder it would be created in, plus its name.
    try {
      return `path ${join(realpathSync(dirname(resolve(path))), basename(path))}`;
    } catch {
      return `path ${resolve(path)}`;
    }
  }
}

/**
 * Every file relay writes must differ from the input and from each other, compared as files, not
 * as strings: `./in.jsonl`, a symlink to it or a hard link would otherwise be truncated or
 * "repaired" by --overwrite / --resume, destroying the input.
 */
export function checkDistinctFiles(files: Array<[flag: string, path: string | undefined]>): void {
  const seen = new Map<string, string>();
  for (const [flag, path] of files) {
    if (path === undefined || path === '-') continue;
    const id = fileIdentity(path);
    const other = seen.get(id);
    if (other) throw usageError(`${flag} ${path} is the same file as ${other}; relay would overwrite it: give ${flag} another file`);
    seen.set(id, flag === 'input' ? `the input ${path}` : `${flag} ${path}`);
  }
}
