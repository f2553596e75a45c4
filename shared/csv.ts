// CSV per RFC 4180 (CRLF line ends, fields with quotes, commas or line breaks quoted, quotes
// doubled), with spreadsheet-formula neutralisation: chat content is hostile, and a cell starting
// with = + - @ tab or CR would run as a formula when the file is opened in a spreadsheet.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export type CsvValue = string | number | boolean | null;

/** Either of the above: most cells have neither, and one test tells. */
const SPECIAL = /^[=+\-@\t\r]|[",\r\n]/;

export function csvCell(value: CsvValue, neutraliseFormulas = true): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value); // numbers and booleans: nothing to quote or neutralise
  if (!SPECIAL.test(value)) return value;
  const text = neutraliseFormulas && FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRow(values: readonly CsvValue[], neutraliseFormulas = true): string {
  let row = csvCell(values[0] ?? null, neutraliseFormulas);
  for (let i = 1; i < values.length; i++) row += `,${csvCell(values[i]!, neutraliseFormulas)}`;
  return `${row}\r\n`;
}
