// A plain aligned text table: numbers right-aligned, text left-aligned, two spaces between
// columns. No box drawing, so the output pastes cleanly into issues and chat.

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

export function renderTable(columns: Column[], rows: (string | undefined)[][], indent = ''): string[] {
  const cells = rows.map((r) => columns.map((_, i) => r[i] ?? ''));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const fmt = (r: string[]) =>
    indent + r.map((cell, i) => (columns[i]!.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(columns.map((c) => c.header)), ...cells.map(fmt)];
}
