import { performance } from 'node:perf_hooks';

// Deadlines for requests in flight on the HTTP/1.1 pool: one sweep checks them all, because a
// timer per request cost more than the request itself at batch and bench rates. The watched
// requests form a doubly linked list through themselves: adding and removing allocate nothing.

export type Expiry = 'connect' | 'total' | 'idle';

export interface Watched {
  /** performance.now() at the send, and at the last byte received. */
  readonly start: number;
  last: number;
  /** Whole-request deadline, longest silence (0 = off), connect deadline; all in ms. */
  timeoutMs: number;
  idleMs: number;
  readonly connectMs: number;
  /** True while the connection is still being opened. */
  readonly connecting: boolean;
  expire(why: Expiry): void;
  prev: Watched | undefined;
  next: Watched | undefined;
}

let head: Watched | undefined;
let count = 0;
let sweeper: NodeJS.Timeout | undefined;
let every = Infinity;

function sweep(): void {
  const now = performance.now();
  for (let f = head; f; ) {
    const next = f.next; // expire() unwatches f
    if (f.connecting && now - f.start > f.connectMs) f.expire('connect');
    else if (now - f.start > f.timeoutMs) f.expire('total');
    else if (f.idleMs > 0 && now - f.last > f.idleMs) f.expire('idle');
    f = next;
  }
  if (count === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = undefined;
    every = Infinity;
  }
}

/** A tenth of the shortest deadline, between 5 and 100 ms: late by at most that much. */
function period(f: Watched): number {
  const shortest = Math.min(f.timeoutMs, f.connectMs, f.idleMs > 0 ? f.idleMs : Infinity);
  return Math.max(5, Math.min(100, shortest / 10));
}

export function watch(f: Watched): void {
  f.prev = undefined;
  f.next = head;
  if (head) head.prev = f;
  head = f;
  count++;
  const p = period(f);
  if (p < every) {
    if (sweeper) clearInterval(sweeper);
    every = p;
    sweeper = setInterval(sweep, p).unref();
  }
}

export function unwatch(f: Watched): void {
  if (f.prev) f.prev.next = f.next;
  else if (head === f) head = f.next;
  else return; // not in the list (already removed)
  if (f.next) f.next.prev = f.prev;
  f.prev = f.next = undefined;
  count--;
}

/** Every watched request (a caller aborting all of its own walks them: aborts are rare). */
export function* watched(): Generator<Watched> {
  for (let f = head; f; ) {
    const next = f.next;
    yield f;
    f = next;
  }
}
