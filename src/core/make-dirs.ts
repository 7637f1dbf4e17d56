import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// mkdirSync(dir, { recursive: true }) does not return for some paths Node 20 cannot create: under
// /proc it retries ENOENT forever at full CPU (relay bench --hdr-log /proc/x hung). So folders are
// made one level at a time, and the first level that fails says why.

function isDir(path: string): boolean | undefined {
  try {
    return statSync(path).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined; // look further up for the culprit
    throw e;
  }
}

function notDir(path: string): Error {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`), { code: 'ENOTDIR', path, syscall: 'mkdir' });
}

/** Creates `dir` and its missing parents (like mkdir -p); throws the errno error of the level that fails. */
export function makeDirs(dir: string, mode?: number): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    const found = isDir(at);
    if (found === true) break;
    if (found === false) throw notDir(at);
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, mode === undefined ? undefined : { mode });
    } catch (e) {
      // Made meanwhile by another process: fine if it is a folder.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (!isDir(d)) throw notDir(d);
    }
  }
}
