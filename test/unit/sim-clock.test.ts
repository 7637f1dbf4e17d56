import { describe, expect, it } from 'vitest';
import { PreciseClock, coarseClock, type Clock } from '../../src/sim/clock.js';

interface Fired { i: number; due: number; early: number }

function run(clock: Clock, delays: number[], cancelIndex?: number): Promise<Fired[]> {
  return new Promise((resolve) => {
    const fired: Fired[] = [];
    const expected = delays.length - (cancelIndex === undefined ? 0 : 1);
    const timers = delays.map((d, i) => {
      const due = performance.now() + d;
      return clock.after(d, () => {
        fired.push({ i, due, early: due - performance.now() });
        if (fired.length === expected) resolve(fired);
      });
    });
    if (cancelIndex !== undefined) timers[cancelIndex]!.cancel();
  });
}

describe.each([['coarse', () => coarseClock], ['precise', () => new PreciseClock()]] as const)('%s clock', (_name, make) => {
  it('fires every callback once, never before its deadline, in deadline order', async () => {
    const fired = await run(make(), [30, 5, 20, 12, 12.5, 1]);
    expect(fired.map((f) => f.i).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    for (const f of fired) expect(f.early).toBeLessThanOrEqual(0.25);
    // Deadlines count from each call, so a pause between calls may reorder them: compare deadlines.
    for (let k = 1; k < fired.length; k++) expect(fired[k]!.due).toBeGreaterThanOrEqual(fired[k - 1]!.due - 1);
  });

  it('does not fire a cancelled callback', async () => {
    const fired = await run(make(), [15, 5, 10], 1);
    expect(fired.map((f) => f.i).sort()).toEqual([0, 2]);
  });

  it('lets a callback schedule the next one', async () => {
    const clock = make();
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      clock.after(3, () => {
        order.push('a');
        clock.after(0.5, () => { order.push('c'); resolve(); });
      });
    });
    expect(order).toEqual(['a', 'c']);
  });
});
