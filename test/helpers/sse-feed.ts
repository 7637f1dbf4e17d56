import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Ways a transport can cut one SSE body into chunks: whole, at the cuts a case lists
// (fixtures/sse/*.splits.json, together and one at a time), byte by byte, and every 2-way cut.

export const SSE_DIR = fileURLToPath(new URL('../../fixtures/sse/', import.meta.url));

export function sseFixture(name: string): Buffer {
  return readFileSync(SSE_DIR + name);
}

/** The split offsets a case lists, or [] when it has no .splits.json. */
export function listedSplits(sseName: string): number[] {
  const path = SSE_DIR + sseName.replace(/\.sse$/, '.splits.json');
  if (!existsSync(path)) return [];
  const spec = JSON.parse(readFileSync(path, 'utf8')) as { split_offsets: number[]; byte_length: number };
  return spec.split_offsets;
}

export function cutAt(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (const o of [...offsets].sort((a, b) => a - b)) {
    out.push(bytes.subarray(start, o));
    start = o;
  }
  out.push(bytes.subarray(start));
  return out;
}

export interface Delivery {
  how: string;
  chunks: Uint8Array[];
}

/** Whole, all listed cuts together, each listed cut alone, and 1-byte pieces. */
export function deliveries(bytes: Uint8Array, offsets: number[]): Delivery[] {
  const out: Delivery[] = [{ how: 'whole', chunks: [bytes] }];
  if (offsets.length > 0) {
    out.push({ how: `cut at ${offsets.join(',')}`, chunks: cutAt(bytes, offsets) });
    if (offsets.length > 1) for (const o of offsets) out.push({ how: `cut at ${o}`, chunks: cutAt(bytes, [o]) });
  }
  const bytewise: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) bytewise.push(bytes.subarray(i, i + 1));
  out.push({ how: '1-byte pieces', chunks: bytewise });
  return out;
}

/** Every way to cut the body in two (bounded by the body length). */
export function* everyTwoWayCut(bytes: Uint8Array): Generator<Delivery> {
  for (let p = 1; p < bytes.length; p++) yield { how: `cut at ${p}`, chunks: cutAt(bytes, [p]) };
}
