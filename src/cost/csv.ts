import { stringify } from 'csv-stringify/sync';

// CSV for spreadsheets: RFC 4180 quoting by csv-stringify, and text cells that a spreadsheet
// would run as a formula (=, +, -, @, tab, CR first) get a leading apostrophe (shared case R33,
// OWASP "CSV injection"). Numbers are written as numbers, so a cost of -2.5 stays a number.

const FORMULA_START = /^[=+\-@\t\r]/;

export function neutralizeCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

export type Cell = string | number | undefined | null;

export function toCsv(header: string[], rows: Cell[][]): string {
  return stringify([header, ...rows], {
    cast: { string: (v) => neutralizeCell(v), number: (v) => String(v) },
    record_delimiter: '\n',
    // csv-stringify only quotes the record delimiter; a bare CR inside a cell must be quoted too.
    quoted_match: /\r/,
  });
}
