// One stored entry as the CLI's export, the API and the UI see it.
import { DAY_MS } from './instant.js';

export interface EntryRecord {
  id: number;
  timestamp: number;
  domainId: string;
  room: string;
  type: string;
  userId: string | null;
  displayName: string | null;
  invisible: boolean | null;
  content: string | null;
  source: 'callback' | 'import';
  callId: string | null;
}

const MAX_TIME_MS = 8.64e15; // the ECMAScript time range
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));
let lastDay = NaN;
let lastDayText = '';

/**
 * ISO 8601 UTC with milliseconds and Z, as Date#toISOString writes it. An export formats one
 * per row, in time order: the date part is formatted once a day, the time of day by table.
 */
export function isoTime(ms: number): string {
  if (!(Math.abs(ms) <= MAX_TIME_MS)) throw new RangeError(`not a time: ${ms}`);
  const whole = Math.floor(ms);
  const day = Math.floor(whole / DAY_MS);
  if (day !== lastDay) {
    lastDayText = new Date(day * DAY_MS).toISOString().slice(0, -13); // "2024-03-01T"
    lastDay = day;
  }
  let rest = whole - day * DAY_MS;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return `${lastDayText}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[millis]}Z`;
}

/** The export's columns, in order, each with how it reads an entry: CSV and JSON lines share them. */
const COLUMNS = [
  ['entry_id', (e) => e.id],
  ['time_utc', (e) => isoTime(e.timestamp)],
  ['timestamp_ms', (e) => e.timestamp],
  ['domain_id', (e) => e.domainId],
  ['room', (e) => e.room],
  ['type', (e) => e.type],
  ['user_id', (e) => e.userId],
  ['display_name', (e) => e.displayName],
  ['invisible', (e) => e.invisible],
  ['content', (e) => e.content],
  ['source', (e) => e.source],
  ['call_id', (e) => e.callId],
] as const satisfies ReadonlyArray<readonly [string, (entry: EntryRecord) => string | number | boolean | null]>;

export type ExportColumn = (typeof COLUMNS)[number][0];
export const EXPORT_COLUMNS: readonly ExportColumn[] = COLUMNS.map(([name]) => name);

/** An entry's export cells, typed (numbers, booleans, nulls): a JSON line's object. */
export function exportRecord(entry: EntryRecord): Record<ExportColumn, string | number | boolean | null> {
  const record = {} as Record<ExportColumn, string | number | boolean | null>;
  for (const [name, read] of COLUMNS) record[name] = read(entry);
  return record;
}

/** An entry's export cells as a CSV row holds them: booleans spelt out. */
export function exportValues(entry: EntryRecord): Array<string | number | null> {
  return COLUMNS.map(([, read]) => {
    const value = read(entry);
    return typeof value === 'boolean' ? String(value) : value;
  });
}
