import { createHash } from 'node:crypto';

// Keys for "is this the same request?" (dedup within a run, the disk cache across runs) and for
// "is this the same id?" (duplicate ids, resume). Two strengths:
// - hash53: a fast 53-bit hash kept in typed arrays, 8 bytes per line, so a million-line file is
//   checked for duplicates in a few MB; equal hashes are only candidates and are confirmed exactly.
// - requestKey: SHA-256 of the endpoint and the canonical body, for the dedup map and cache files.

/** Sorts in place; objects have a handful of keys, so an insertion sort (no allocation, no comparator) is quickest. */
function sortKeys(keys: string[]): void {
  if (keys.length > 16) {
    keys.sort(); // a large object: n log n, whatever its size
    return;
  }
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
}

/** JSON with object keys sorted at every depth: the same request always gives the same text. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + (v[i] === undefined ? 'null' : canonicalJson(v[i]));
    return s + ']';
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  sortKeys(keys);
  let s = '{';
  for (let i = 0; i < keys.length; i++) {
    const x = o[keys[i]!];
    if (x === undefined) continue;
    s += (s.length > 1 ? ',' : '') + JSON.stringify(keys[i]) + ':' + canonicalJson(x);
  }
  return s + '}';
}

/**
 * A 53-bit hash of a string (two 32-bit multiply-xorshift lanes folded together), exact in a
 * double. Not cryptographic: used only to find candidates that are then compared exactly.
 */
export function hash53(s: string, seed = 0): number {
  let h1 = 0x9e3779b1 ^ seed;
  let h2 = 0x85ebca6b ^ seed;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 0x85ebca6b) ^ Math.imul(h2 ^ (h2 >>> 13), 0xc2b2ae35);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0x85ebca6b) ^ Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  return 4294967296 * (0x1fffff & h2) + (h1 >>> 0);
}

/**
 * hash53 of canonicalJson(v) in spirit, computed by walking the value: no text is built, which
 * made the first pass over a large file allocate (and collect) every request twice. Equal
 * canonical JSON gives equal hashes; different values collide as rarely as hash53's.
 */
export function canonicalHash(v: unknown): number {
  const h = { a: 0x9e3779b1, b: 0x85ebca6b };
  walk(h, v);
  let h1 = Math.imul(h.a ^ (h.a >>> 16), 0x85ebca6b) ^ Math.imul(h.b ^ (h.b >>> 13), 0xc2b2ae35);
  const h2 = Math.imul(h.b ^ (h.b >>> 16), 0x85ebca6b) ^ Math.imul(h1 ^ (h1 >>> 13), 0xc2b2ae35);
  h1 >>>= 0;
  return 4294967296 * (0x1fffff & h2) + h1;
}

interface Lanes { a: number; b: number }

function feed(h: Lanes, c: number): void {
  h.a = Math.imul(h.a ^ c, 0x01000193);
  const b = Math.imul(h.b ^ c, 0x5bd1e995);
  h.b = b ^ (b >>> 15);
}

function feedText(h: Lanes, s: string): void {
  feed(h, 0x10000 + s.length); // the length first: no two strings read as one
  // feed() inlined over locals: this loop sees every character of every request in the file.
  let a = h.a;
  let b = h.b;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  h.a = a;
  h.b = b;
}

// Markers above the UTF-16 range, so structure never reads as text.
const NULL = 0x20001, TRUE = 0x20002, FALSE = 0x20003, NUM = 0x20004, ARR = 0x20005, OBJ = 0x20006, END = 0x20007;

function walk(h: Lanes, v: unknown): void {
  if (v === null || v === undefined) return feed(h, NULL); // undefined only inside arrays, where JSON writes null
  switch (typeof v) {
    case 'string': return feedText(h, v);
    case 'boolean': return feed(h, v ? TRUE : FALSE);
    case 'number': {
      feed(h, NUM);
      return feedText(h, Number.isFinite(v) ? String(v) : 'null');
    }
    case 'object': break;
    default: return feed(h, NULL);
  }
  if (Array.isArray(v)) {
    feed(h, ARR);
    for (let i = 0; i < v.length; i++) walk(h, v[i]);
    return feed(h, END);
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  sortKeys(keys);
  feed(h, OBJ);
  for (const k of keys) {
    const x = o[k];
    if (x === undefined) continue;
    feedText(h, k);
    walk(h, x);
  }
  feed(h, END);
}

/** The key of one request to one endpoint: what the dedup map and the cache files are named by. */
export function requestKey(endpoint: string, body: unknown): string {
  return createHash('sha256').update(endpoint).update('\n').update(canonicalJson(body)).digest('hex');
}

/** A growable list of hashes, sorted once at the end to find repeats. */
export class HashList {
  private data = new Float64Array(1024);
  private n = 0;

  push(h: number): void {
    if (this.n === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.n++] = h;
  }

  get length(): number {
    return this.n;
  }

  /** Every hash that occurs more than once, with how many times it occurs. Frees the list. */
  repeats(): Map<number, number> {
    const sorted = this.data.subarray(0, this.n).sort();
    const out = new Map<number, number>();
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] === sorted[i - 1]) out.set(sorted[i]!, (out.get(sorted[i]!) ?? 1) + 1);
    }
    this.data = new Float64Array(0);
    this.n = 0;
    return out;
  }
}

const SEED2 = 0x5f3759df;

/** The two hashes an IdSet keeps for a string. */
export function idHashes(id: string): [number, number] {
  return [hash53(id), hash53(id, SEED2)];
}

/**
 * A set of strings kept as two independent 53-bit hashes each (16 bytes a string): resume's
 * "ids already done". A false match needs both hashes to collide (about 1 in 2^106 per pair), so
 * for any real file it is exact, at a fraction of the memory of a Set of strings.
 */
export class IdSet {
  private constructor(private readonly h1: Float64Array, private readonly h2: Float64Array) {}

  static builder(): IdSetBuilder {
    return new IdSetBuilder();
  }

  static from(ids: Iterable<string>): IdSet {
    const b = new IdSetBuilder();
    for (const id of ids) b.add(id);
    return b.build();
  }

  /** @internal */
  static sorted(a: number[], b: number[]): IdSet {
    const order = Uint32Array.from(a.keys()).sort((x, y) => a[x]! - a[y]! || b[x]! - b[y]!);
    return new IdSet(Float64Array.from(order, (i) => a[i]!), Float64Array.from(order, (i) => b[i]!));
  }

  get size(): number {
    return this.h1.length;
  }

  has(id: string): boolean {
    const [x, y] = idHashes(id);
    return this.hasHash(x, y);
  }

  hasHash(x: number, y: number): boolean {
    let lo = 0;
    let hi = this.h1.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.h1[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.h1.length && this.h1[i] === x; i++) if (this.h2[i] === y) return true;
    return false;
  }

  /** Whether any member of this set is also in `other`. */
  someIn(other: IdSet): boolean {
    for (let i = 0; i < this.h1.length; i++) if (other.hasHash(this.h1[i]!, this.h2[i]!)) return true;
    return false;
  }

  /** Hash pairs stored more than once (the same string added twice), as `h1:h2` keys. */
  repeats(): Set<string> {
    const out = new Set<string>();
    for (let i = 1; i < this.h1.length; i++) {
      if (this.h1[i] === this.h1[i - 1] && this.h2[i] === this.h2[i - 1]) out.add(`${this.h1[i]}:${this.h2[i]}`);
    }
    return out;
  }
}

export class IdSetBuilder {
  private readonly a: number[] = [];
  private readonly b: number[] = [];

  add(id: string): void {
    const [x, y] = idHashes(id);
    this.a.push(x);
    this.b.push(y);
  }

  addHash(x: number, y: number): void {
    this.a.push(x);
    this.b.push(y);
  }

  build(): IdSet {
    return IdSet.sorted(this.a, this.b);
  }
}
