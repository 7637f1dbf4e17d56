import { writeFailed } from '../core/errors.js';
import { openSync, writeSync, closeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';

// CSV for spreadsheets: RFC 4180 quoting by csv-stringify, and text cells that a spreadsheet would
// run as a formula (=, +, -, @, tab or CR first) get a leading apostrophe (shared case R33, OWASP
// "CSV injection"; LLM replies are untrusted text). Numbers are written as numbers, so a cost of
// -2.5 stays a number. A cell holding a lone CR is quoted too: csv-stringify quotes only the record
// delimiter, and a bare CR ends a row in some spreadsheet importers.

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralizeCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export type Cell = string | number | boolean | undefined | null;

export interface CsvOptions {
  /** RFC 4180 CRLF between records (default); false writes LF. */
  crlf?: boolean;
}

function options(opts: CsvOptions) {
  return {
    cast: { string: (v: string) => neutralizeCell(v), number: (v: number) => String(v), boolean: (v: boolean) => String(v) },
    record_delimiter: opts.crlf === false ? '\n' : '\r\n',
    quoted_match: /\r|\n/,
  };
}

export function toCsv(header: string[], rows: Cell[][], opts: CsvOptions = { crlf: false }): string {
  return stringify([header, ...rows], options(opts));
}

/** Rows written to a file as they come (a batch of a million lines never holds its report in memory). */
export class CsvFile {
  private fd: number;
  private readonly opts: ReturnType<typeof options>;

  constructor(private readonly path: string, header: string[], opts: CsvOptions = {}) {
    this.opts = options(opts);
    this.fd = openSync(path, 'w', 0o644);
    this.write(stringify([header], this.opts));
  }

  row(cells: Cell[]): void {
    this.write(stringify([cells], this.opts));
  }

  private write(text: string): void {
    try {
      writeSync(this.fd, text);
    } catch (e) {
      throw writeFailed(this.path, e);
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
