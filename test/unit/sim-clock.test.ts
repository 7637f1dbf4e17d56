import { describe, expect, it } from 'vitest';
import { PreciseClock, coarseClock, type Clock } from '../../src/sim/clock.js';

function run(clock: Clock, delays: number[], cancelIndex?: number): Promise<Array<{ i: number; early: number }>> {
  return new Promise((resolve) => {
    const fired: Array<{ i: number; early: number }> = [];
    const expected = delays.length - (cancelIndex === undefined ? 0 : 1);
    const timers = delays.map((d, i) => {
      const due = performance.now() + d;
      return clock.after(d, () => {
        fired.push({ i, early: due - performance.now() });
        if (fired.length === expected) resolve(fired);
      });
    });
    if (cancelIndex !== undefined) timers[cancelIndex]!.cancel();
  });
}

describe.each([['coarse', () => coarseClock], ['precise', () => new PreciseClock()]] as const)('%s clock', (_name, make) => {
  it('fires every callback in deadline order, never before its deadline', async () => {
    const fired = await run(make(), [30, 5, 20, 12, 12.5, 1]);
    expect(fired.map((f) => f.i)).toEqual([5, 1, 3, 4, 2, 0]);
    for (const f of fired) expect(f.early).toBeLessThanOrEqual(0.25);
  });

  it('does not fire a cancelled callback', async () => {
    const fired = await run(make(), [15, 5, 10], 1);
    expect(fired.map((f) => f.i)).toEqual([2, 0]);
  });

  it('lets a callback schedule the next one', async () => {
    const clock = make();
    const order: string[] = [];
    await new Promise<void>((resolve) => {
      clock.after(3, () => {
        order.push('a');
        clock.after(0.5, () => { order.push('c'); resolve(); });
      });
      clock.after(2, () => order.push('b'));
    });
    expect(order).toEqual(['b', 'a', 'c']);
  });
});
