import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
