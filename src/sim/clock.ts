// Waiting in the simulator. Two clocks with one interface:
//
// coarse (default): setTimeout. Node starts a timer from the event loop's cached clock, which can
//   be a few ms stale on a busy loop, so a timer may fire early; it is then re-armed for the rest.
//   Timers fire up to about 1 ms late, more under load. Costs nothing while idle.
// precise (--precise): one shared queue; a timer wakes the loop about 1 ms before the earliest
//   deadline, then the loop spins on setImmediate (still serving I/O) until it is due. Deadlines
//   are met within tens of microseconds on an idle machine, at the price of a busy core whenever
//   a deadline is near. For benchmark-accuracy runs.

export interface Timer {
  cancel(): void;
}

export interface Clock {
  after(ms: number, fn: () => void): Timer;
}

class CoarseTimer implements Timer {
  private handle: NodeJS.Timeout | undefined;
  private readonly target: number;

  constructor(ms: number, private readonly fn: () => void) {
    this.target = performance.now() + ms;
    this.handle = setTimeout(this.check, ms);
  }

  private readonly check = (): void => {
    const left = this.target - performance.now();
    if (left > 0.25) {
      this.handle = setTimeout(this.check, left);
      return;
    }
    this.handle = undefined;
    this.fn();
  };

  cancel(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
  }
}

export const coarseClock: Clock = {
  after: (ms, fn) => new CoarseTimer(ms, fn),
};

class Entry implements Timer {
  cancelled = false;
  constructor(readonly due: number, readonly fn: () => void) {}
  cancel(): void {
    this.cancelled = true;
  }
}

/** Wake this long before a deadline and spin the rest (timer lateness is about 1 ms). */
const SPIN_MS = 1.5;

export class PreciseClock implements Clock {
  private heap: Entry[] = [];
  private timeout: NodeJS.Timeout | undefined;
  private timeoutFor = Infinity;
  private spinning = false;
  private pumping = false;

  after(ms: number, fn: () => void): Timer {
    const e = new Entry(performance.now() + ms, fn);
    this.push(e);
    // While pumping, the pump re-arms for the earliest entry once it is done.
    if (!this.pumping && !this.spinning && e.due < this.timeoutFor) this.arm(e.due);
    return e;
  }

  private arm(due: number): void {
    if (this.timeout) clearTimeout(this.timeout);
    this.timeout = undefined;
    this.timeoutFor = Infinity;
    const left = due - performance.now();
    if (left > SPIN_MS) {
      // unref: a closed server must not be kept alive by the deadlines of cancelled requests.
      this.timeout = setTimeout(this.pump, left - SPIN_MS + 0.5).unref();
      this.timeoutFor = due;
    } else {
      this.spinning = true;
      setImmediate(this.pump);
    }
  }

  private readonly pump = (): void => {
    this.timeout = undefined;
    this.timeoutFor = Infinity;
    this.spinning = false;
    this.pumping = true;
    const now = performance.now();
    try {
      while (this.heap.length > 0 && this.heap[0]!.due <= now + 0.02) {
        const e = this.pop();
        if (!e.cancelled) e.fn();
      }
    } finally {
      this.pumping = false;
    }
    while (this.heap.length > 0 && this.heap[0]!.cancelled) this.pop();
    if (this.heap.length > 0) this.arm(this.heap[0]!.due);
  };

  private push(e: Entry): void {
    const h = this.heap;
    let i = h.push(e) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.due <= e.due) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = e;
  }

  private pop(): Entry {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const c = l + 1 < h.length && h[l + 1]!.due < h[l]!.due ? l + 1 : l;
        if (h[c]!.due >= last.due) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
