// --max-error-rate in batch and bench: one spelling for both. It was a fraction in batch and a
// percentage in bench, so "0.05" meant 5% in one and a twentieth of a percent in the other.

/** "0.05" or "5%" as 0.05; undefined when the text is neither a fraction from 0 to 1 nor a percentage from 0 to 100. */
export function parseShare(text: string): number | undefined {
  const t = text.trim();
  const percent = t.endsWith('%');
  const body = percent ? t.slice(0, -1).trim() : t;
  const n = Number(body);
  if (body === '' || !Number.isFinite(n) || n < 0 || n > (percent ? 100 : 1)) return undefined;
  return percent ? n / 100 : n;
}

export const SHARE_HELP = 'a fraction from 0 to 1 or a percentage (0.05 and 5% are the same)';

/** A share as people read it: 0.05 -> "5%". */
export function shareText(share: number): string {
  return `${Number((share * 100).toPrecision(6))}%`;
}
