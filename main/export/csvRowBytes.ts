// The plain CSV export's rows, written as bytes straight from the raw rows: the same bytes as
// csvRow(exportValues(entry)) encoded as UTF-8 (test/exportFormat.test.ts holds them to it).
import { csvCell } from '../../shared/csv.js';
import { isoTime } from '../../shared/entryRecord.js';
import { DAY_MS } from '../../shared/instant.js';
import type { entryDetails, ExportRow } from '../store/entryStream.js';
import type { ByteChunks } from './byteChunks.js';

/** A room's, a user's and a delivery's details by id (entryDetails). */
export type EntryDetails = ReturnType<typeof entryDetails>;

/** What a spreadsheet would run, or what must be quoted (csv.ts): most cells have neither. */
const SPECIAL = /^[=+\-@\t\r]|[",\r\n]/;
/** Cells kept for users before the cache starts over: memory stays flat whatever their number. */
const MOST_USER_CELLS = 100_000;
/** The ECMAScript time range, isoTime's: a row outside it fails as isoTime fails. */
const MAX_TIME_MS = 8.64e15;
/** More than a number's digits take (String(n) of any double is at most 25 characters). */
const NUMBER_BYTES = 32;
const COMMA = 0x2c;
const SHOWN_NULL = Buffer.from(',,');
const SHOWN_TRUE = Buffer.from(',true,');
const SHOWN_FALSE = Buffer.from(',false,');

/** Small byte strings are copied by hand (TypedArray#set measured no faster for the few bytes of a cell). */
function copy(bytes: Uint8Array, into: Buffer, at: number): number {
  for (let i = 0; i < bytes.length; i++) into[at + i] = bytes[i]!;
  return at + bytes.length;
}

/** `n` in decimal as String(n) writes it; integers (all ids and times) digit by digit. */
function writeNumber(n: number, into: Buffer, at: number): number {
  if (!Number.isSafeInteger(n)) return at + into.write(String(n), at, 'latin1');
  if (n < 0) {
    into[at++] = 0x2d;
    n = -n;
  }
  let end = at + 1;
  for (let power = 10; power <= n; power *= 10) end++;
  let i = end;
  do {
    const rest = Math.floor(n / 10);
    into[--i] = 0x30 + (n - rest * 10);
    n = rest;
  } while (n > 0);
  return end;
}

/** Two digits of `n` (0–99). */
function twoDigits(n: number, into: Buffer, at: number): void {
  const tens = (n / 10) | 0;
  into[at] = 0x30 + tens;
  into[at + 1] = 0x30 + (n - tens * 10);
}

/**
 * Writes rows of the plain CSV export. What a room, user, delivery or type contributes is made into
 * bytes once per distinct value (there are few), kept by id; per row the numbers and the time of
 * day are written digit by digit (the date once a day), and only the display name and the content
 * are encoded. Nothing is joined into a line first: a line of a dozen parts joined, then encoded,
 * cost twice this.
 */
export function csvRowBytes(details: EntryDetails, neutralise: boolean): (row: ExportRow, out: ByteChunks) => void {
  const cell = (value: string | null) => (value === null ? '' : SPECIAL.test(value) ? csvCell(value, neutralise) : value);
  const rooms: Uint8Array[] = []; // `,domain,room,`
  const deliveries: Uint8Array[] = []; // `,source,call_id\r\n`
  const types = new Map<string, Uint8Array>(); // `type,`
  const NO_USER = Buffer.from(',');
  let users: Uint8Array[] = []; // `user_id,`
  let userCells = 0;
  let day = NaN;
  let dayCell: Uint8Array = Buffer.alloc(0); // the time's cell up to its time of day: `2024-03-01T` (a year before 0 or after 9999 starts with a sign)
  return (row, out) => {
    const [id, ts, roomId, type, userId, displayName, invisible, content, deliveryId] = row;
    let room = rooms[roomId];
    if (room === undefined) {
      const { domain_id, name } = details.room(roomId);
      rooms[roomId] = room = Buffer.from(`,${cell(domain_id)},${cell(name)},`);
    }
    let delivery = deliveries[deliveryId];
    if (delivery === undefined) {
      const { source, call_id } = details.delivery(deliveryId);
      deliveries[deliveryId] = delivery = Buffer.from(`,${cell(source)},${cell(call_id)}\r\n`);
    }
    let typeCell = types.get(type);
    if (typeCell === undefined) types.set(type, (typeCell = Buffer.from(`${cell(type)},`)));
    let user: Uint8Array = NO_USER;
    if (userId !== null) {
      user = users[userId]!;
      if (user === undefined) {
        if (++userCells > MOST_USER_CELLS) [users, userCells] = [[], 1];
        users[userId] = user = Buffer.from(`${cell(details.user(userId))},`);
      }
    }
    const shown = invisible === null ? SHOWN_NULL : invisible === 1 ? SHOWN_TRUE : SHOWN_FALSE;
    const name = cell(displayName);
    const text = cell(content);
    if (!(Math.abs(ts) <= MAX_TIME_MS)) isoTime(ts); // throws, as the export of any row outside the range does
    const whole = Math.floor(ts);
    const today = Math.floor(whole / DAY_MS);
    // The cell's start as cell() makes it: a sign may make it a formula (the rest of an ISO time has nothing to quote).
    if (today !== day) [day, dayCell] = [today, Buffer.from(cell(isoTime(ts)).slice(0, -13))];

    out.reserve(
      2 * NUMBER_BYTES +
        dayCell.length +
        16 +
        room.length +
        typeCell.length +
        user.length +
        shown.length +
        delivery.length +
        3 * (name.length + text.length),
    );
    const buffer = out.buffer;
    let at = writeNumber(id, buffer, out.at);
    buffer[at++] = COMMA;
    at = copy(dayCell, buffer, at);
    let rest = whole - today * DAY_MS;
    const millis = rest % 1000;
    rest = (rest - millis) / 1000;
    const seconds = rest % 60;
    rest = (rest - seconds) / 60;
    const minutes = rest % 60;
    twoDigits((rest - minutes) / 60, buffer, at);
    buffer[at + 2] = 0x3a; // :
    twoDigits(minutes, buffer, at + 3);
    buffer[at + 5] = 0x3a;
    twoDigits(seconds, buffer, at + 6);
    buffer[at + 8] = 0x2e; // .
    const hundreds = (millis / 100) | 0;
    buffer[at + 9] = 0x30 + hundreds;
    twoDigits(millis - hundreds * 100, buffer, at + 10);
    buffer[at + 12] = 0x5a; // Z
    buffer[at + 13] = COMMA;
    at = writeNumber(ts, buffer, at + 14);
    at = copy(room, buffer, at);
    at = copy(typeCell, buffer, at);
    at = copy(user, buffer, at);
    if (name !== '') at += buffer.write(name, at);
    at = copy(shown, buffer, at);
    if (text !== '') at += buffer.write(text, at);
    out.at = copy(delivery, buffer, at);
  };
}
