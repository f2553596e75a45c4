// One stored entry as the CLI's export, the API and the UI see it.

export const EXPORT_COLUMNS = [
  'entry_id',
  'time_utc',
  'timestamp_ms',
  'domain_id',
  'room',
  'type',
  'user_id',
  'display_name',
  'invisible',
  'content',
  'source',
  'call_id',
] as const;

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

const DAY_MS = 86_400_000;
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

export function exportValues(entry: EntryRecord): Array<string | number | null> {
  return [
    entry.id,
    isoTime(entry.timestamp),
    entry.timestamp,
    entry.domainId,
    entry.room,
    entry.type,
    entry.userId,
    entry.displayName,
    entry.invisible === null ? null : String(entry.invisible),
    entry.content,
    entry.source,
    entry.callId,
  ];
}
