import type { ChalkInstance } from 'chalk';

// Colour is decided once per stream (CONVENTIONS 5): a TTY, NO_COLOR unset or empty,
// no --no-color; FORCE_COLOR forces it on (FORCE_COLOR=0 forces it off).

export interface Style {
  enabled: boolean;
  ok(s: string): string;
  warn(s: string): string;
  error(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  accent(s: string): string;
}

export function wantsColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, noColorFlag = false): boolean {
  if (noColorFlag) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY);
}

const plain: Style = {
  enabled: false,
  ok: (s) => s, warn: (s) => s, error: (s) => s, dim: (s) => s, bold: (s) => s, accent: (s) => s,
};

/** chalk is imported only when colour is actually wanted, so piped runs never load it. */
export async function makeStyle(enabled: boolean): Promise<Style> {
  if (!enabled) return plain;
  const { Chalk } = await import('chalk');
  const c: ChalkInstance = new Chalk({ level: 1 });
  return {
    enabled: true,
    ok: (s) => c.green(s),
    warn: (s) => c.yellow(s),
    error: (s) => c.red(s),
    dim: (s) => c.dim(s),
    bold: (s) => c.bold(s),
    accent: (s) => c.cyan(s),
  };
}

export const plainStyle = plain;
