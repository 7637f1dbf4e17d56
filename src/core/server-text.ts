import { redact } from './redact.js';

// What a server says ends up in relay's messages and records; it is the server's text, so it can
// echo the key back or carry terminal escapes. Everything quoted from a server passes through
// printable() before it is cut to size.

/** Keys masked before anything is cut (a key cut in two no longer matches, and its first part would show), control characters dropped, one line. */
export function printable(text: string): string {
  return redact(text).replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

export function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
