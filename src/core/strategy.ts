// How a route picks the endpoint for the next request, among those whose breaker lets it send.
// Pure: the caller passes the candidates' records and a random source.

export type Strategy = 'priority' | 'latency' | 'round-robin' | 'cost';

export interface Candidate {
  /** Position in the route's order (priority = lowest first). */
  index: number;
  /** EWMA of first-token (or first-byte) latency in ms; undefined before the first sample. */
  latencyMs?: number;
  /** Requests sent since this endpoint was last chosen, so exploration is fair. */
  sinceChosen: number;
  /** Price of this request on this endpoint in USD, when known (cost strategy). */
  priceUsd?: number;
}

/** A dead endpoint in a route should cost little: connects give up after 1 s unless the user says otherwise. */
export const ROUTE_CONNECT_TIMEOUT_MS = 1_000;

/** Share of latency-strategy choices spent on another endpoint, so a recovered one is noticed. */
export const EXPLORE = 0.05;
/** Any endpoint not chosen for this many requests is tried once (bounded staleness). */
export const STALE_AFTER = 50;

export function choose(strategy: Strategy, cands: Candidate[], rr: number, random: () => number = Math.random): Candidate | undefined {
  if (cands.length <= 1) return cands[0];
  switch (strategy) {
    case 'priority':
      return cands.reduce((a, b) => (b.index < a.index ? b : a));
    case 'round-robin':
      return [...cands].sort((a, b) => a.index - b.index)[rr % cands.length];
    case 'cost': {
      const priced = cands.filter((c) => c.priceUsd !== undefined);
      if (!priced.length) return choose('priority', cands, rr, random);
      return priced.reduce((a, b) => (b.priceUsd! < a.priceUsd! || (b.priceUsd === a.priceUsd && b.index < a.index) ? b : a));
    }
    case 'latency': {
      // Unmeasured endpoints first (warm-up), then any gone stale, then mostly the fastest.
      const unmeasured = cands.filter((c) => c.latencyMs === undefined);
      if (unmeasured.length) return unmeasured.reduce((a, b) => (b.index < a.index ? b : a));
      const stale = cands.filter((c) => c.sinceChosen >= STALE_AFTER);
      if (stale.length) return stale.reduce((a, b) => (b.sinceChosen > a.sinceChosen ? b : a));
      const fastest = cands.reduce((a, b) => (b.latencyMs! < a.latencyMs! ? b : a));
      if (random() < EXPLORE) {
        // Power of two choices among the others: the better of two random picks.
        const others = cands.filter((c) => c !== fastest);
        const a = others[Math.floor(random() * others.length)];
        const b = others[Math.floor(random() * others.length)];
        return a.latencyMs! <= b.latencyMs! ? a : b;
      }
      return fastest;
    }
  }
}

/** Exponentially weighted moving average; alpha 0.3 follows a change within a handful of samples. */
export function ewma(prev: number | undefined, sample: number, alpha = 0.3): number {
  return prev === undefined ? sample : prev + alpha * (sample - prev);
}
