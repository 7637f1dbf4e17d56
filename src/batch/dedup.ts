import type { LineResult } from './line.js';
import type { OutputRecord } from './records.js';
import type { BatchItem } from './request.js';
import { bodyHash } from './scan.js';

// Identical requests in one run are sent once (issue 4): the scan pass counted how many lines
// send each request body; the first line of a group sends it, the others wait for its result and
// get a copy. A group is dropped after its last line, so memory follows what is still to come.

interface Group { remaining: number; byKey: Map<string, Promise<LineResult>> }

export class DedupGroups {
  private readonly groups = new Map<number, Group>();

  /** `repeats`: body hash -> lines that send it (only those sent more than once). */
  constructor(private readonly repeats: Map<number, number>) {}

  /** The group of a request that occurs more than once (counted down), or undefined. */
  take(item: BatchItem): Group | undefined {
    const h = bodyHash(item.request!);
    const count = this.repeats.get(h);
    if (count === undefined) return undefined;
    let g = this.groups.get(h);
    if (!g) {
      g = { remaining: count, byKey: new Map() };
      this.groups.set(h, g);
    }
    if (--g.remaining <= 0) this.groups.delete(h);
    return g;
  }
}

/** Another line's record as this line's result: nothing was sent for it, so no attempts and no cost. */
export function copyOf(rec: OutputRecord, recordId: string, item: BatchItem): OutputRecord {
  return {
    ...rec, id: recordId, custom_id: item.id,
    relay: { ...rec.relay, line: item.lineNo, attempts: 0, attempt_log: [], cost: 0, deduplicated: true },
  };
}
