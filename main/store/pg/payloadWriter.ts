// Payloads' rows (payloadRows.ts) into PostgreSQL, set-wise: however many payloads a group
// carries, each table is written by one statement or two, not one per payload or per entry. The
// outcome is the one SQLite's PayloadWriter reaches writing the same payloads one after the other:
// - rooms and users are made in the order the payloads first name them, so their ids are SQLite's;
//   a user's display name is the last one the payloads give it;
// - an entry is one row however many payloads (or places in one) carry it (room, timestamp,
//   entryKey): the first to carry it writes it and counts it new; one carrying it again gives it
//   the display name it lacked; new entries take ids in the order they come;
// - rooms' counters and hourly activity grow by the new entries;
// - abuse reports, roster snapshots and connection lists as each payload has them.
// The delivery rows the payloads belong to exist already (receipt.ts). The caller owns the
// transaction. Writers racing for the same row (two omv processes on one database) can leave a gap
// in the ids (an id drawn for a row ON CONFLICT then found written), as SQLite never does.
import { addGrowth, type Growth } from '../roomGrowth.js';
import type { PayloadEvent, PayloadKind } from '../../../shared/payload.js';
import type { WriteCounts } from '../payloadWriter.js';
import { pgText, type WriteSession } from './connection.js';
import { NAMES_LOCK } from './locks.js';
import { ensureMonths } from './partitions.js';
import { writeAbuseReports, writeConnections, writeSnapshots } from './payloadRecords.js';
import { PayloadRows, type EntryRow } from './payloadRows.js';

/** A payload to write, for its delivery row. */
export interface PayloadJob {
  deliveryId: number;
  domainId: string;
  receivedAt: number;
  rows: PayloadRows;
}

export interface PayloadOutcome {
  counts: WriteCounts;
  /** Names of the rooms it added entries to. */
  grownRooms: Set<string>;
}

/** New entries written in one statement at most. */
const BATCH = 5000;

/** An entry's row as the group knows it: found stored, or to be written by the first payload carrying it. */
interface EntryState {
  id: number | null;
  ts: number;
  /** Its display name now (after what the payloads before gave it). */
  name: string | null;
  /** Set while it is to be written: the row, the payload writing it. */
  fresh?: { row: EntryRow; roomId: number; userId: number | null; payload: number };
}

const pairKey = (domainId: string, name: string) => `${domainId}\u0000${name}`;

/**
 * Rows of `table` by (domain_id, `column`), found or made in the order given, without spending an
 * id on a row that exists: the ids SQLite gives them.
 */
async function resolveNamed(
  session: WriteSession,
  table: 'rooms' | 'users',
  column: 'name' | 'user_id',
  wanted: Array<[domainId: string, name: string]>,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (wanted.length === 0) return ids;
  const find = async (pairs: Array<[string, string]>) => {
    const found = await session.query<{ id: number; domain_id: string; name: string }>(
      `SELECT t.id, t.domain_id, t.${column} AS name FROM ${table} t
       JOIN unnest($1::text[], $2::text[]) AS k (domain_id, name) ON t.domain_id = k.domain_id AND t.${column} = k.name`,
      [pairs.map(([domain]) => domain), pairs.map(([, name]) => name)],
    );
    for (const row of found.rows) ids.set(pairKey(row.domain_id, row.name), row.id);
  };
  await find(wanted);
  let missing = wanted.filter(([domain, name]) => !ids.has(pairKey(domain, name)));
  if (missing.length === 0) return ids;
  // One writer making names at a time (locks.ts): another may have made these while this one waited.
  await session.query('SELECT pg_advisory_xact_lock($1)', [NAMES_LOCK]);
  await find(missing);
  missing = missing.filter(([domain, name]) => !ids.has(pairKey(domain, name)));
  if (missing.length === 0) return ids;
  const made = await session.query<{ id: number; domain_id: string; name: string }>(
    `INSERT INTO ${table} (domain_id, ${column})
     SELECT domain_id, name FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS m (domain_id, name, n) ORDER BY n
     ON CONFLICT DO NOTHING RETURNING id, domain_id, ${column} AS name`,
    [missing.map(([domain]) => domain), missing.map(([, name]) => name)],
  );
  for (const row of made.rows) ids.set(pairKey(row.domain_id, row.name), row.id);
  // Another writer made some in between: they are there now.
  const raced = missing.filter(([domain, name]) => !ids.has(pairKey(domain, name)));
  if (raced.length) await find(raced);
  return ids;
}

/** Writes the payloads, in their order, as SQLite's PayloadWriter would one after the other; what each added. */
export async function writePayloads(session: WriteSession, jobs: readonly PayloadJob[]): Promise<PayloadOutcome[]> {
  const outcomes: PayloadOutcome[] = jobs.map(({ rows }) => ({
    counts: {
      entries: rows.entries.length,
      newEntries: 0,
      rooms: rows.rooms.size,
      abuseReports: rows.abuse.length,
      rosterRooms: rows.roster.length,
      connections: rows.connections.length,
    },
    grownRooms: new Set(),
  }));
  const rooms = await resolveNamed(
    session,
    'rooms',
    'name',
    distinctPairs(jobs, (rows) => rows.rooms),
  );
  const users = await resolveNamed(
    session,
    'users',
    'user_id',
    distinctPairs(jobs, (rows) => rows.users),
  );
  const roomId = (job: PayloadJob, name: string) => rooms.get(pairKey(job.domainId, name))!;
  const userId = (job: PayloadJob, id: string | null) => (id === null ? null : users.get(pairKey(job.domainId, id))!);
  await nameUsers(session, jobs, userId);
  const states = await writeEntries(session, jobs, outcomes, roomId, userId);
  await writeAbuseReports(session, jobs, states);
  await writeSnapshots(session, jobs, roomId, userId);
  await writeConnections(session, jobs);
  return outcomes;
}

function distinctPairs(jobs: readonly PayloadJob[], names: (rows: PayloadRows) => Iterable<string>): Array<[string, string]> {
  const seen = new Set<string>();
  const pairs: Array<[string, string]> = [];
  for (const job of jobs)
    for (const name of names(job.rows)) {
      const key = pairKey(job.domainId, name);
      if (seen.has(key)) continue;
      seen.add(key);
      pairs.push([job.domainId, name]);
    }
  return pairs;
}

/** Each user named by an entry gets the last display name the payloads give it (SQLite's coalesce, entry after entry). */
async function nameUsers(
  session: WriteSession,
  jobs: readonly PayloadJob[],
  userId: (job: PayloadJob, id: string | null) => number | null,
) {
  const named = new Map<number, string>();
  for (const job of jobs)
    for (const entry of job.rows.entries)
      if (entry.userId !== null && entry.displayName !== null) named.set(userId(job, entry.userId)!, entry.displayName);
  if (named.size === 0) return;
  // In id order: two writers naming the same users take their rows in the same order.
  const ids = [...named.keys()].sort((a, b) => a - b);
  await session.query(
    `UPDATE users u SET display_name = v.name FROM unnest($1::bigint[], $2::text[]) AS v (id, name)
     WHERE u.id = v.id AND u.display_name IS DISTINCT FROM v.name`,
    [ids, ids.map((id) => named.get(id)!)],
  );
}

/**
 * The payloads' entries: one statement finds those already stored, one draws the new ones' ids,
 * one writes them (per BATCH), one gives stored ones the display names they lacked; then the rooms'
 * counters and activity. Answers each payload's entries' states, in order (their ids).
 */
async function writeEntries(
  session: WriteSession,
  jobs: readonly PayloadJob[],
  outcomes: PayloadOutcome[],
  roomId: (job: PayloadJob, name: string) => number,
  userId: (job: PayloadJob, id: string | null) => number | null,
): Promise<EntryState[][]> {
  const identity = (room: number, ts: number, key: number) => `${room}:${ts}:${key}`;
  const keys = new Map<string, { room: number; ts: number; key: number }>();
  for (const job of jobs)
    for (const entry of job.rows.entries) {
      const room = roomId(job, entry.room);
      keys.set(identity(room, entry.ts, entry.key), { room, ts: entry.ts, key: entry.key });
    }
  const stored = new Map<string, { id: number; display_name: string | null }>();
  if (keys.size) {
    const wanted = [...keys.values()];
    let [first, last] = [Infinity, -Infinity];
    for (const { ts } of wanted) {
      first = Math.min(first, ts);
      last = Math.max(last, ts);
    }
    // The span of their times lets the server look in their months' partitions only.
    const found = await session.query<{ id: number; room_id: number; ts: number; dedup_key: number; display_name: string | null }>(
      `SELECT e.id, e.room_id, e.ts, e.dedup_key, e.display_name FROM entries e
       JOIN unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS k (room_id, ts, dedup_key)
         ON e.room_id = k.room_id AND e.ts = k.ts AND e.dedup_key = k.dedup_key
       WHERE e.ts BETWEEN $4 AND $5`,
      [wanted.map((k) => k.room), wanted.map((k) => k.ts), wanted.map((k) => k.key), first, last],
    );
    for (const row of found.rows) stored.set(identity(row.room_id, row.ts, row.dedup_key), row);
  }
  // The payloads' entries in order, as SQLite's writer meets them.
  const group = new Map<string, EntryState>();
  const fresh: EntryState[] = [];
  const fills = new Map<number, { ts: number; name: string }>();
  const states = jobs.map((job, payload) =>
    job.rows.entries.map((entry) => {
      const room = roomId(job, entry.room);
      const id = identity(room, entry.ts, entry.key);
      let state = group.get(id);
      if (!state) {
        const row = stored.get(id);
        if (!row) {
          state = {
            id: null,
            ts: entry.ts,
            name: entry.displayName,
            fresh: { row: entry, roomId: room, userId: userId(job, entry.userId), payload },
          };
          fresh.push(state);
          group.set(id, state);
          return state;
        }
        state = { id: row.id, ts: entry.ts, name: row.display_name };
        group.set(id, state);
      }
      // Carried again: it gets the display name it lacked.
      if (entry.displayName !== null && state.name === null) {
        state.name = entry.displayName;
        if (state.id !== null) fills.set(state.id, { ts: state.ts, name: entry.displayName });
      }
      return state;
    }),
  );
  if (fresh.length) {
    await ensureMonths(
      session,
      fresh.map((state) => state.ts),
    );
    // The ids drawn are queued for watch matching in this transaction (migrations/0420-watch-queue.ts).
    const taken = await session.query<{ id: number }>(
      `WITH drawn AS (SELECT nextval('entries_id_seq') AS id FROM generate_series(1, $1)),
       queued AS (INSERT INTO watch_queue (first_id, last_id) SELECT min(id), max(id) FROM drawn)
       SELECT id FROM drawn`,
      [fresh.length],
    );
    const ids = taken.rows.map((row) => row.id).sort((a, b) => a - b);
    fresh.forEach((state, i) => (state.id = ids[i]!));
    const growth = jobs.map(() => new Map<number, Growth>());
    const raced: EntryState[] = [];
    for (let start = 0; start < fresh.length; start += BATCH) {
      const batch = fresh.slice(start, start + BATCH);
      const written = await insertEntries(session, jobs, batch);
      for (const state of batch) {
        const { row, roomId: room, payload } = state.fresh!;
        if (written.has(state.id!)) {
          outcomes[payload]!.counts.newEntries += 1;
          addGrowth(growth[payload]!, outcomes[payload]!.grownRooms, room, { room: row.room, timestamp: row.ts });
        } else raced.push(state);
      }
    }
    if (raced.length) await findRaced(session, raced, fills);
    for (const state of fresh) delete state.fresh;
    await writeGrowth(session, growth);
  }
  if (fills.size)
    await session.query(
      `UPDATE entries e SET display_name = v.name FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS v (ts, id, name)
       WHERE e.ts = v.ts AND e.id = v.id AND e.display_name IS NULL`,
      [[...fills.values()].map((f) => f.ts), [...fills.keys()], [...fills.values()].map((f) => f.name)],
    );
  return states;
}

/** Writes new entries with the ids drawn for them; answers the ids written (not those another writer stored meanwhile). */
async function insertEntries(session: WriteSession, jobs: readonly PayloadJob[], batch: EntryState[]): Promise<Set<number>> {
  const rows = batch.map((state) => state.fresh!);
  const inserted = await session.query<{ id: number }>(
    `INSERT INTO entries (id, room_id, type, ts, ts_raw, user_id, display_name, invisible, content, delivery_id, received_at, dedup_key,
       words, lexemes)
     SELECT id, room_id, type, ts, ts_raw, user_id, display_name, invisible, content, delivery_id, received_at, dedup_key,
       words, CASE WHEN lexemes IS NULL THEN NULL ELSE array_to_tsvector(string_to_array(lexemes, ' ')) END
     FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::smallint[], $9::text[],
                 $10::bigint[], $11::bigint[], $12::bigint[], $13::text[], $14::text[])
       AS v (id, room_id, type, ts, ts_raw, user_id, display_name, invisible, content, delivery_id, received_at, dedup_key, words, lexemes)
     ON CONFLICT DO NOTHING
     RETURNING id`,
    [
      batch.map((state) => state.id),
      rows.map((f) => f.roomId),
      rows.map((f) => f.row.type),
      rows.map((f) => f.row.ts),
      rows.map((f) => f.row.tsRaw),
      rows.map((f) => f.userId),
      // A later carrier may have named it already (the same row SQLite writes, then fills).
      batch.map((state) => state.name),
      rows.map((f) => f.row.invisible),
      rows.map((f) => f.row.content),
      rows.map((f) => jobs[f.payload]!.deliveryId),
      rows.map((f) => jobs[f.payload]!.receivedAt),
      rows.map((f) => f.row.key),
      rows.map((f) => f.row.words),
      rows.map((f) => f.row.lexemes),
    ],
  );
  return new Set(inserted.rows.map((row) => row.id));
}

/** Entries another writer stored since the lookup: they are that one's (their ids), given a display name they lack. */
async function findRaced(session: WriteSession, raced: EntryState[], fills: Map<number, { ts: number; name: string }>): Promise<void> {
  const found = await session.query<{ n: number; id: number; display_name: string | null }>(
    `SELECT k.n::int AS n, e.id, e.display_name FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS k (room_id, ts, dedup_key, n)
     JOIN entries e ON e.room_id = k.room_id AND e.ts = k.ts AND e.dedup_key = k.dedup_key`,
    [raced.map((s) => s.fresh!.roomId), raced.map((s) => s.ts), raced.map((s) => s.fresh!.row.key)],
  );
  for (const row of found.rows) {
    const state = raced[row.n - 1]!;
    state.id = row.id;
    if (state.name !== null && row.display_name === null) fills.set(row.id, { ts: state.ts, name: state.name });
  }
}

/** The rooms' entry counts, latest times and hourly activity, for the new entries of every payload. */
async function writeGrowth(session: WriteSession, byPayload: Array<Map<number, Growth>>): Promise<void> {
  const rooms = new Map<number, { added: number; lastTs: number }>();
  const hours = new Map<string, { room: number; hour: number; n: number }>();
  for (const growth of byPayload)
    for (const [room, { added, lastTs, hours: perHour }] of growth) {
      const total = rooms.get(room);
      if (total) {
        total.added += added;
        total.lastTs = Math.max(total.lastTs, lastTs);
      } else rooms.set(room, { added, lastTs });
      for (const [hour, n] of perHour) {
        const at = hours.get(`${room}:${hour}`);
        if (at) at.n += n;
        else hours.set(`${room}:${hour}`, { room, hour, n });
      }
    }
  if (rooms.size === 0) return;
  // In id order: two writers on one database update the rooms they share in the same order.
  const ids = [...rooms.keys()].sort((a, b) => a - b);
  await session.query(
    `UPDATE rooms r SET entry_count = r.entry_count + v.added, last_ts = greatest(coalesce(r.last_ts, 0), v.last_ts)
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v (id, added, last_ts) WHERE r.id = v.id`,
    [ids, ids.map((id) => rooms.get(id)!.added), ids.map((id) => rooms.get(id)!.lastTs)],
  );
  const activity = [...hours.values()].sort((a, b) => a.room - b.room || a.hour - b.hour);
  await session.query(
    `INSERT INTO activity (room_id, hour, entries) SELECT room_id, hour, n FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS a (room_id, hour, n)
     ON CONFLICT (room_id, hour) DO UPDATE SET entries = activity.entries + excluded.entries`,
    [activity.map((a) => a.room), activity.map((a) => a.hour), activity.map((a) => a.n)],
  );
}

/**
 * One payload's events into rows of its delivery, in the caller's transaction, as before the
 * writes went set-wise (for callers that hand events one at a time): `apply` gathers them,
 * `flush`, once after the last, writes them (payloadRows.ts, writePayloads).
 */
export class PgPayloadWriter {
  readonly counts: WriteCounts = { entries: 0, newEntries: 0, rooms: 0, abuseReports: 0, rosterRooms: 0, connections: 0 };
  readonly grownRooms = new Set<string>();
  private readonly rows = new PayloadRows();
  private flushed = false;

  constructor(
    private readonly client: WriteSession,
    private readonly context: { deliveryId: number; domainId: string; receivedAt: number },
  ) {}

  get root(): PayloadKind | null {
    return this.rows.root;
  }

  get callId(): string | null {
    return this.rows.callId;
  }

  get span(): { first: number; last: number } | null {
    return this.rows.span;
  }

  apply(event: PayloadEvent): Promise<void> {
    if (this.flushed) return Promise.reject(new Error('PgPayloadWriter: an event applied after its flush'));
    this.rows.add(event);
    return Promise.resolve();
  }

  /** Writes what was applied; call once, before the transaction commits. */
  async flush(): Promise<void> {
    if (this.flushed) return;
    this.flushed = true;
    const [outcome] = await writePayloads(this.client, [{ ...this.context, domainId: pgText(this.context.domainId), rows: this.rows }]);
    Object.assign(this.counts, outcome!.counts);
    for (const room of outcome!.grownRooms) this.grownRooms.add(room);
  }
}
