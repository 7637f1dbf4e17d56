// When the bytes of a read arrived, as closely as JavaScript can tell.
//
// libuv hands over every socket that epoll found ready in one batch, and runs their read callbacks
// one after another. Taking performance.now() in each callback charges the last socket of a burst
// with the time spent on all the sockets before it (at 1,000 streamed requests/s, bursts of a few
// dozen reads made TTFT's p90 about a millisecond late). Every socket in the batch was ready when
// the first callback ran, so all of them get that callback's time: one stamp per batch, cleared
// in the check phase (setImmediate), which runs once the poll phase is over.
//
// That holds for the first bytes of each read only: epoll found them there. A read returns all
// that has arrived by then, so bytes after the first in one read (the next chunk of a stream, its
// end) may have come while the batch was handled; they get the time of their own callback (see
// Attempt.onBody). Measured against relay sim's log of each write, stamping those with the batch's
// time too put about 40 of 30,000 E2E figures at 1,000 requests/s before the server had even
// begun writing the last byte; now none are.
//
// A stamp is never earlier than the request it is used for: a caller passes the time it sent
// (`notBefore`), and a stamp older than that is replaced by a fresh one. So a figure taken here
// is at most as late as performance.now() in the callback would have been, and never early.

let stamp = -1;
let clearing = false;

function clear(): void {
  stamp = -1;
  clearing = false;
}

/** The time of the current batch of reads; a fresh time when the batch is older than `notBefore`. */
export function readTime(notBefore: number): number {
  if (stamp < notBefore) {
    stamp = performance.now();
    if (!clearing) {
      clearing = true;
      setImmediate(clear);
    }
  }
  return stamp;
}

/** True while a batch of reads is being handled (from the first read's time until the check phase). */
export function readBatchOpen(): boolean {
  return stamp >= 0;
}
