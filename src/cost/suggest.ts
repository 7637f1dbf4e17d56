// Closest known names for an unknown model, by edit distance. A typo gets a pointer to the
// right name; it never gets a price.

export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * `names` maps each canonical model to all names it answers to. Returns up to `limit` canonical
 * names, nearest first; a name containing the query (or contained in it) counts as very near,
 * so `sonnet` finds claude-sonnet-4-5.
 */
export function closestNames(query: string, names: Map<string, string[]>, limit = 3): string[] {
  const q = query.trim().toLowerCase();
  const scored: { name: string; score: number }[] = [];
  for (const [canonical, all] of names) {
    let best = Infinity;
    for (const n of [canonical, ...all]) {
      const c = n.toLowerCase();
      const base = c.includes('/') ? c.slice(c.lastIndexOf('/') + 1) : c;
      const d = Math.min(editDistance(q, c), editDistance(q, base));
      const contains = q.length >= 3 && (base.includes(q) || q.includes(base));
      best = Math.min(best, contains ? Math.min(d, 1) - 0.5 : d);
    }
    scored.push({ name: canonical, score: best });
  }
  scored.sort((x, y) => x.score - y.score || x.name.localeCompare(y.name));
  return scored.slice(0, limit).map((s) => s.name);
}
