import { editDistance } from '../cost/suggest.js';

// "Did you mean": the closest of an endpoint's model names to an unknown one. Unlike the price
// table's suggestions, names that are far off are left out: a list of unrelated models helps nobody.

export function closeNames(wanted: string, known: string[], max = 3): string[] {
  const w = wanted.toLowerCase();
  return known
    .map((k) => {
      const kl = k.toLowerCase();
      // A name that contains the other (gpt-4.1 vs openai/gpt-4.1) is close whatever its length.
      const d = kl.includes(w) || w.includes(kl) ? 0.5 : editDistance(w, kl);
      return { k, d };
    })
    .filter((x) => x.d <= Math.max(2, Math.floor(w.length / 3)))
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, max)
    .map((x) => x.k);
}
