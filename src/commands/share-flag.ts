// --max-error-rate in batch and bench: one spelling for both. It was a fraction in batch and a
// percentage in bench, so "0.05" meant 5% in one and a twentieth of a percent in the other.

/** "0.05" or "5%" as 0.05; undefined when the text is neither a fraction from 0 to 1 nor a percentage from 0 to 100. */
export function parseShare(text: string): number | undefined {
  const t = text.trim();
  const percent = t.endsWith('%');
  const body = percent ? t.slice(0, -1).trim() : t;
  // Plain decimals only: Number() would also take 0x1, 0b1 and 1e2.
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(body)) return undefined;
  const n = Number(body);
  if (n > (percent ? 100 : 1)) return undefined;
  // 0.7 / 100 is 0.006999999999999999 in binary floating point, below 0.007: a failure rate of
  // exactly 0.7% would then count as above "0.7%". Rounded to 15 digits it is the same number
  // as "0.007".
  return percent ? Number((n / 100).toPrecision(15)) : n;
}

export const SHARE_HELP = 'a fraction from 0 to 1 or a percentage (0.05 and 5% are the same)';

/** A share as people read it: 0.05 -> "5%". */
export function shareText(share: number): string {
  return `${Number((share * 100).toPrecision(6))}%`;
}
