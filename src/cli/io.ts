import type { Style } from '../output/style.js';

/** What a command may touch of the outside world; tests and the library can pass their own. */
export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  debug: boolean;
  /** Style for stdout and stderr, decided once (CONVENTIONS 5). */
  out: Style;
  err: Style;
  noColor: boolean;
}

/** A command's action: returns its exit code (0 when omitted). */
export type Action = (io: Io, ...args: any[]) => Promise<number | void>;
export type Act = (fn: Action) => (...args: any[]) => Promise<void>;
