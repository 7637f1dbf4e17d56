// Seeded randomness for the simulator: the same seed and the same inputs give the same replies,
// the same jitter and the same fault choices, run after run.

/** FNV-1a over UTF-16 code units, mixed with `salt`; 32-bit unsigned. */
export function hashString(text: string, salt = 0): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** Avalanche a 32-bit value (murmur3's finaliser), so nearby inputs give unrelated outputs. */
export function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A counter stepped by the golden-ratio constant and avalanched: tiny, fast, and good enough. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Next 32-bit unsigned integer. */
  u32(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    return mix32(this.state);
  }
  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }
  /** Standard normal (Box-Muller; one value per call keeps the sequence simple to reason about). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A 32-bit seed from a user seed and a purpose, so separate streams never share a sequence. */
export function subSeed(seed: number, purpose: string): number {
  return hashString(purpose, mix32(seed >>> 0));
}
