// The entries of an imported file into PostgreSQL a batch at a time, by COPY: a batch's entries are
// copied into a temporary table, then one statement adds those not stored yet to entries (ids
// taken in the file's order, as SQLite's import hands them out), gives a stored entry that had no
// display name the first one the batch brings, and adds the new entries to their rooms' counters
// and hourly activity. Rooms and users are found or made for the whole batch before it, in the
// order they first appear (so their ids are the ones SQLite gives them). The rules are
// store/payloadWriter.ts's (and receipt.ts's PgPayloadWriter's, whose full-text columns these are):
// an entry is one entry however many files carry it (room, timestamp, entryKey), and a batch that
// repeats an entry stores its first, with the first display name any of the repeats gives.
// The caller owns the transaction (one per batch): what a batch wrote is whole or not there.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { entryKey } from '../../../shared/entryKey.js';
import type { ChatEntry, PayloadEvent, PayloadKind } from '../../../shared/payload.js';
import { tokenize } from '../../../shared/tokenize.js';
import type { WriteCounts } from '../payloadWriter.js';
import { pgText, type WriteSession } from './connection.js';
import { NAMES_LOCK } from './locks.js';
import { ensureMonths } from './partitions.js';
import { indexColumns } from './textMatch.js';

/** The batch's entries as they are copied; ON COMMIT DELETE ROWS empties it for the next batch. */
const STAGING = `CREATE TEMPORARY TABLE IF NOT EXISTS omv_import_batch (
  seq bigint NOT NULL, room_id bigint NOT NULL, type text NOT NULL, ts bigint NOT NULL, ts_raw text NOT NULL, user_id bigint,
  display_name text, invisible smallint, content text, dedup_key bigint NOT NULL, words text COLLATE "C" NOT NULL, lexemes text
) ON COMMIT DELETE ROWS`;

/**
 * From the staging table to entries, in one statement (its parts see the entries as they were before it):
 * - `firsts`: each entry of the batch once (its first in the file), with the first display name of its repeats;
 * - `stored`: the entry already stored, if it is (LIMIT 1 keeps the lookup a probe of entries_identity per entry,
 *   whatever the planner thinks of the batch's size, and only in the entry's month);
 * - `added`: the others, ids taken in the file's order (the sorted subquery is not flattened into the insert);
 *   ON CONFLICT: one a receiver stored meanwhile is the receiver's;
 * - `queued`: the ids added, for watch matching (migrations/0420-watch-queue.ts);
 * - `named`: a stored entry without a display name gets the batch's (SQLite's fillDisplayName);
 * - the rooms' counters and hourly activity grow by the entries added (roomGrowth.ts's hours: floor(ts / 1 h)).
 */
const MERGE = `
WITH firsts AS (
  SELECT DISTINCT ON (room_id, ts, dedup_key) seq, room_id, type, ts, ts_raw, user_id, invisible, content, dedup_key, words, lexemes,
    first_value(display_name) OVER (PARTITION BY room_id, ts, dedup_key ORDER BY display_name IS NULL, seq) AS display_name
  FROM omv_import_batch ORDER BY room_id, ts, dedup_key, seq
), stored AS (
  SELECT f.*, e.id AS stored_id, e.display_name AS stored_name FROM firsts f
  LEFT JOIN LATERAL (
    SELECT id, display_name FROM entries e WHERE e.room_id = f.room_id AND e.ts = f.ts AND e.dedup_key = f.dedup_key LIMIT 1
  ) e ON true
), added AS (
  INSERT INTO entries (id, room_id, type, ts, ts_raw, user_id, display_name, invisible, content, delivery_id, received_at, dedup_key,
    words, lexemes)
  SELECT nextval('entries_id_seq'), room_id, type, ts, ts_raw, user_id, display_name, invisible, content, $1, $2, dedup_key,
    words, CASE WHEN lexemes IS NULL THEN NULL ELSE array_to_tsvector(string_to_array(lexemes, ' ')) END
  FROM (SELECT * FROM stored WHERE stored_id IS NULL ORDER BY seq) fresh
  ON CONFLICT DO NOTHING
  RETURNING id, room_id, ts
), queued AS (
  INSERT INTO watch_queue (first_id, last_id) SELECT min(id), max(id) FROM added HAVING count(*) > 0
), named AS (
  UPDATE entries e SET display_name = s.display_name FROM stored s
  WHERE s.stored_id IS NOT NULL AND s.stored_name IS NULL AND s.display_name IS NOT NULL
    AND e.room_id = s.room_id AND e.ts = s.ts AND e.dedup_key = s.dedup_key AND e.display_name IS NULL
  RETURNING 1
), grown AS (
  UPDATE rooms r SET entry_count = r.entry_count + g.n, last_ts = greatest(coalesce(r.last_ts, 0), g.last)
  FROM (SELECT room_id, count(*) AS n, max(ts) AS last FROM added GROUP BY room_id) g WHERE r.id = g.room_id
  RETURNING 1
), hours AS (
  INSERT INTO activity (room_id, hour, entries)
  SELECT room_id, (ts - ((ts % 3600000) + 3600000) % 3600000) / 3600000 AS hour, count(*) FROM added GROUP BY 1, 2
  ON CONFLICT (room_id, hour) DO UPDATE SET entries = activity.entries + excluded.entries
  RETURNING 1
)
SELECT (SELECT count(*) FROM added) AS added, (SELECT count(*) FROM named) AS named, (SELECT count(*) FROM grown) AS grown,
  (SELECT count(*) FROM hours) AS hours`;

/** One value as a field of COPY's CSV: NULL unquoted and empty, text quoted. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  return `"${pgText(value).replaceAll('"', '""')}"`;
}

/** CSV for COPY is sent in pieces of about this many characters. */
const COPY_PIECE = 1 << 20;

/** Writes a message file's batches (ENTRY_PAYLOADS; the other payloads go through PgPayloadWriter). */
export class PgEntryImport {
  readonly counts: WriteCounts = { entries: 0, newEntries: 0, rooms: 0, abuseReports: 0, rosterRooms: 0, connections: 0 };
  root: PayloadKind | null = null;
  callId: string | null = null;
  /** The earliest and latest entry time in the file (new entries or not). */
  span: { first: number; last: number } | null = null;
  private readonly roomIds = new Map<string, number>();
  /** Users by their ID, with the display name last given to their row (null: none given by this file yet). */
  private readonly userIds = new Map<string, { id: number; displayName: string | null }>();

  constructor(private readonly context: { deliveryId: number; domainId: string; receivedAt: number }) {}

  /** Writes a batch of the file's events in the caller's transaction. */
  async write(session: WriteSession, events: Iterable<PayloadEvent>): Promise<void> {
    const rooms: string[] = [];
    const entries: ChatEntry[] = [];
    for (const event of events) {
      if (event.kind === 'document') {
        this.root = event.root;
        this.callId = event.callId;
      } else if (event.kind === 'room') rooms.push(event.name);
      else if (event.kind === 'entry') {
        rooms.push(event.entry.room);
        entries.push(event.entry);
      } else throw new Error(`a ${event.kind} in a ${this.root ?? 'payload'} is not written by the entries' import`);
    }
    await this.resolveRooms(session, rooms);
    if (entries.length === 0) return;
    await this.resolveUsers(session, entries);
    await ensureMonths(
      session,
      entries.map((entry) => entry.timestamp),
    );
    await session.query(STAGING);
    // The merge sorts the batch twice: in memory rather than in temporary files.
    await session.query("SET LOCAL work_mem = '64MB'");
    // One piece made ahead of the one being sent, not sixteen (Readable.from's default): memory is what a batch holds, no more.
    await pipeline(
      Readable.from(this.csv(entries), { highWaterMark: 1 }),
      session.query(copyFrom('COPY omv_import_batch FROM STDIN WITH (FORMAT csv)')),
    );
    const merged = await session.query<{ added: number }>(MERGE, [this.context.deliveryId, this.context.receivedAt]);
    this.counts.entries += entries.length;
    this.counts.newEntries += merged.rows[0]!.added;
    // Emptied now, not at the commit: the next batch in this transaction (none today) would find these.
    await session.query('TRUNCATE omv_import_batch');
  }

  /** The batch's entries as CSV rows of the staging table, in pieces. */
  private *csv(entries: ChatEntry[]): Generator<string> {
    let piece = '';
    let seq = this.counts.entries;
    for (const entry of entries) {
      if (this.span === null) this.span = { first: entry.timestamp, last: entry.timestamp };
      else if (entry.timestamp < this.span.first) this.span.first = entry.timestamp;
      else if (entry.timestamp > this.span.last) this.span.last = entry.timestamp;
      const { words, lexemes } = indexColumns(tokenize(entry.content));
      piece +=
        [
          seq++,
          this.roomIds.get(entry.room)!,
          csvField(entry.type),
          entry.timestamp,
          csvField(entry.timestampRaw),
          entry.userId === null ? '' : this.userIds.get(entry.userId)!.id,
          csvField(entry.displayName),
          entry.invisible === null ? '' : Number(entry.invisible),
          csvField(entry.content),
          entryKey(entry),
          csvField(words),
          csvField(lexemes),
        ].join(',') + '\n';
      if (piece.length >= COPY_PIECE) {
        yield piece;
        piece = '';
      }
    }
    if (piece) yield piece;
  }

  /** The rooms these names are, found or made in the order they first appear. */
  private async resolveRooms(session: WriteSession, names: string[]): Promise<void> {
    const unknown = [...new Set(names)].filter((name) => !this.roomIds.has(name));
    if (unknown.length === 0) return;
    const ids = await findOrMake(session, 'rooms', 'name', this.context.domainId, unknown);
    for (const name of unknown) this.roomIds.set(name, ids.get(pgText(name))!);
    this.counts.rooms += unknown.length;
  }

  /**
   * The users of the batch's entries, found or made in the order they first speak, and each one's
   * display name set to the last the batch gives them (SQLite's upsert keeps a user's latest name,
   * and leaves it when an entry has none).
   */
  private async resolveUsers(session: WriteSession, entries: ChatEntry[]): Promise<void> {
    const unknown = new Set<string>();
    const lastName = new Map<string, string>();
    for (const entry of entries) {
      if (entry.userId === null) continue;
      if (!this.userIds.has(entry.userId)) unknown.add(entry.userId);
      if (entry.displayName !== null) lastName.set(entry.userId, entry.displayName);
    }
    if (unknown.size) {
      const ids = await findOrMake(session, 'users', 'user_id', this.context.domainId, [...unknown]);
      for (const userId of unknown) this.userIds.set(userId, { id: ids.get(pgText(userId))!, displayName: null });
    }
    const renamed: Array<{ id: number; name: string }> = [];
    for (const [userId, name] of lastName) {
      const known = this.userIds.get(userId)!;
      if (known.displayName === name) continue;
      renamed.push({ id: known.id, name });
      known.displayName = name;
    }
    // In id order: two writers naming the same users take their rows in the same order.
    renamed.sort((a, b) => a.id - b.id);
    if (renamed.length)
      await session.query(
        'UPDATE users u SET display_name = v.name FROM unnest($1::bigint[], $2::text[]) AS v (id, name) WHERE u.id = v.id',
        [renamed.map((r) => r.id), renamed.map((r) => pgText(r.name))],
      );
  }
}

/**
 * Rows of `table` (rooms by name, users by user ID) in a domain: those there found, the others
 * made in the order given (ids as SQLite's); one another writer made meanwhile is found after.
 */
async function findOrMake(
  session: WriteSession,
  table: 'rooms' | 'users',
  column: 'name' | 'user_id',
  domainId: string,
  keys: string[],
): Promise<Map<string, number>> {
  const values = keys.map((key) => pgText(key));
  const find = async (wanted: string[]) =>
    (
      await session.query<{ id: number; key: string }>(
        `SELECT id, ${column} AS key FROM ${table} WHERE domain_id = $1 AND ${column} = ANY($2)`,
        [domainId, wanted],
      )
    ).rows;
  const ids = new Map((await find(values)).map((row) => [row.key, row.id]));
  let missing = values.filter((key) => !ids.has(key));
  if (missing.length) {
    // One writer making names at a time (locks.ts): another may have made these while this one waited.
    await session.query('SELECT pg_advisory_xact_lock($1)', [NAMES_LOCK]);
    for (const row of await find(missing)) ids.set(row.key, row.id);
    missing = missing.filter((key) => !ids.has(key));
  }
  if (missing.length) {
    const made = await session.query<{ id: number; key: string }>(
      `INSERT INTO ${table} (domain_id, ${column}) SELECT $1, key FROM unnest($2::text[]) WITH ORDINALITY AS m (key, n) ORDER BY n
       ON CONFLICT DO NOTHING RETURNING id, ${column} AS key`,
      [domainId, missing],
    );
    for (const row of made.rows) ids.set(row.key, row.id);
    const raced = missing.filter((key) => !ids.has(key));
    if (raced.length) for (const row of await find(raced)) ids.set(row.key, row.id);
  }
  return ids;
}
