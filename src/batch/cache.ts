import { readFileSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { makeDirs } from '../core/make-dirs.js';
import { join } from 'node:path';
import type { Usage } from '../core/types.js';

// --cache DIR: successful replies kept on disk, named by the SHA-256 of endpoint + canonical body
// (keys.ts requestKey), so a rerun of the same file, or another file asking the same thing, pays
// nothing. Files are created 0600 in directories 0700: replies can be private. Nothing secret goes
// in: the key is hashed from the base URL and the body, never from headers. Writes go to a
// temporary file renamed into place, so a crash leaves no half-written entry.

export interface CacheEntry {
  storedAt: number;
  endpoint: string;
  model: string | null;
  response: { status_code: number; request_id: string | null; body: unknown };
  usage: Usage | null;
}

export class DiskCache {
  constructor(readonly dir: string, readonly ttlMs?: number, private readonly now: () => number = Date.now) {
    makeDirs(dir, 0o700);
  }

  private file(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.json`);
  }

  get(key: string): CacheEntry | undefined {
    let text: string;
    try {
      text = readFileSync(this.file(key), 'utf8');
    } catch {
      return undefined;
    }
    let e: CacheEntry;
    try {
      e = JSON.parse(text) as CacheEntry;
    } catch {
      rmSync(this.file(key), { force: true });
      return undefined;
    }
    if (typeof e?.storedAt !== 'number' || !e.response) return undefined;
    if (this.ttlMs !== undefined && this.now() - e.storedAt > this.ttlMs) {
      rmSync(this.file(key), { force: true });
      return undefined;
    }
    return e;
  }

  put(key: string, entry: Omit<CacheEntry, 'storedAt'>): void {
    const path = this.file(key);
    makeDirs(join(this.dir, key.slice(0, 2)), 0o700);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ storedAt: this.now(), ...entry }), { mode: 0o600 });
    chmodSync(tmp, 0o600); // mode is only applied on creation; an old tmp file keeps its own
    renameSync(tmp, path);
  }
}

/** `30s`, `15m`, `12h`, `7d`, or seconds: the --cache-ttl value in ms. */
export function parseTtl(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's').toLowerCase() as 'ms'];
  return Number(m[1]) * unit;
}
