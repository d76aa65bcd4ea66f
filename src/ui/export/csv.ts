/**
 * Rows to CSV (RFC 4180): comma-separated, CRLF line ends, a field quoted when it holds a comma,
 * a double quote, CR or LF, with its quotes doubled. Numbers are written in full (String(v), the
 * shortest text that reads back as the same float). A text field that a spreadsheet would run as
 * a formula (starting with =, +, -, @, tab or CR) is prefixed with a single quote, so opening an
 * export never executes it; numbers are never altered.
 */

export type CsvCell = string | number | boolean | null | undefined;

export interface CsvTable {
  columns: string[];
  rows: CsvCell[][];
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** One field, quoted when needed. null/undefined are empty; NaN and ±Infinity are written as such. */
export function csvField(v: CsvCell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  const text = FORMULA_START.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The whole table, header first, each line ending in CRLF. Rows shorter than the header are padded. */
export function toCsv(table: CsvTable): string {
  const width = table.columns.length;
  const line = (cells: CsvCell[]) => {
    const out: string[] = [];
    for (let i = 0; i < Math.max(width, cells.length); i++) out.push(csvField(cells[i]));
    return `${out.join(',')}\r\n`;
  };
  let text = line(table.columns);
  for (const r of table.rows) text += line(r);
  return text;
}
