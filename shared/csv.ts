// CSV per RFC 4180 (CRLF line ends, fields with quotes, commas or line breaks quoted, quotes
// doubled), with spreadsheet-formula neutralisation: chat content is hostile, and a cell starting
// with = + - @ tab or CR would run as a formula when the file is opened in a spreadsheet.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export type CsvValue = string | number | boolean | null;

export function csvCell(value: CsvValue, neutraliseFormulas = true): string {
  if (value === null) return '';
  let text = String(value);
  if (neutraliseFormulas && typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[], neutraliseFormulas = true): string {
  return `${values.map((value) => csvCell(value, neutraliseFormulas)).join(',')}\r\n`;
}
