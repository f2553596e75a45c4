// A moment as people type it: epoch milliseconds, or an ISO 8601 date or time, UTC unless it
// names a zone. The command line's --from/--to and the search box's before:/after: read it alike.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

export interface Instant {
  ms: number;
  /** A bare date (2024-03-01): the caller decides which end of that day it means. */
  wholeDay: boolean;
}

/** `minDigits`: how many digits a bare number needs to be epoch ms (so a year is not taken for one). */
export function parseInstant(text: string, minDigits = 1): Instant | null {
  if (new RegExp(`^\\d{${minDigits},}$`).test(text)) return { ms: Number(text), wholeDay: false };
  const wholeDay = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const zoned = wholeDay || /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const ms = Date.parse(zoned ? text : `${text}Z`);
  return Number.isNaN(ms) ? null : { ms, wholeDay };
}

/** The last millisecond of the day an instant's date names. */
export const endOfDay = (instant: Instant) => instant.ms + DAY_MS - 1;
