// A delivery into PostgreSQL, by the rules store/deliveries.ts and store/payloadWriter.ts keep for
// SQLite: the raw payload is a delivery row before or with what it contains; the same bytes
// through the same function for the same domain (and members) are a duplicate of the earlier
// delivery, counted on it; a payload that could not be parsed is kept raw in quarantine with the
// reason; an entry is one entry however many deliveries carry it (room, timestamp, entryKey).
// Ids are handed out in order as SQLite hands them out (a sequence), so one writer fed the same
// deliveries makes the same ids in both stores; writers racing for the same row can leave a gap
// (an id drawn for a row ON CONFLICT then found written), as SQLite never does. The caller owns the
// transaction (the group commit's savepoint).
import { addGrowth, type Growth } from '../roomGrowth.js';
import { entryKey } from '../../../shared/entryKey.js';
import type { AbuseReport, ChatEntry, ParsedPayload, PayloadEvent, PayloadKind } from '../../../shared/payload.js';
import { assertNever } from '../../../shared/assertNever.js';
import { tokenize } from '../../../shared/tokenize.js';
import type { DeliveryMeta, StoreOutcome } from '../deliveries.js';
import type { WriteCounts } from '../payloadWriter.js';
import { pgText, type WriteSession } from './connection.js';
import { ensureMonths } from './partitions.js';
import { indexColumns } from './textMatch.js';

/** Lock key space for deliveries' content: two writers receiving the same bytes decide one after the other. */
const DELIVERY_LOCK = 0x6f6d76;

/** The earlier delivery this one repeats (see findEarlierDelivery in deliveries.ts), or null. */
async function findEarlierDelivery(client: WriteSession, meta: DeliveryMeta): Promise<number | null> {
  const found = await client.query<{ id: number }>(
    `SELECT id FROM deliveries WHERE sha256 = $1 AND function IS NOT DISTINCT FROM $2 AND domain_id = $3
       AND member_id IS NOT DISTINCT FROM $4 AND target_member_id IS NOT DISTINCT FROM $5 AND status <> 'importing'
     ORDER BY id LIMIT 1`,
    [meta.sha256, pgText(meta.function), pgText(meta.domainId), pgText(meta.memberId ?? null), pgText(meta.targetMemberId ?? null)],
  );
  return found.rows[0]?.id ?? null;
}

async function insertDelivery(client: WriteSession, meta: DeliveryMeta, status: 'importing' | 'quarantined', error: string | null) {
  const row = await client.query<{ id: number }>(
    `INSERT INTO deliveries (source, function, domain_id, type, call_id, received_at, payload, payload_size, sha256, file_path, status, error,
       member_id, target_member_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
    [
      meta.source,
      pgText(meta.function),
      pgText(meta.domainId),
      pgText(meta.type),
      pgText(meta.callId),
      meta.receivedAt,
      meta.payload === null ? null : Buffer.from(meta.payload.buffer, meta.payload.byteOffset, meta.payload.byteLength),
      meta.payloadSize,
      meta.sha256,
      pgText(meta.filePath ?? null),
      status,
      pgText(error),
      pgText(meta.memberId ?? null),
      pgText(meta.targetMemberId ?? null),
    ],
  );
  return row.rows[0]!.id;
}

/** Stores one delivery (storeDelivery's rules) in the caller's transaction. */
export async function receiveDelivery(client: WriteSession, meta: DeliveryMeta, parsed: ParsedPayload): Promise<StoreOutcome> {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [DELIVERY_LOCK, meta.sha256]);
  const earlier = await findEarlierDelivery(client, meta);
  if (earlier !== null) {
    await client.query('UPDATE deliveries SET duplicates = duplicates + 1, last_duplicate_at = $1 WHERE id = $2', [
      meta.receivedAt,
      earlier,
    ]);
    return { status: 'duplicate', deliveryId: earlier };
  }
  if (!parsed.ok)
    return { status: 'quarantined', deliveryId: await insertDelivery(client, meta, 'quarantined', parsed.reason), reason: parsed.reason };
  const deliveryId = await insertDelivery(client, meta, 'importing', null);
  const writer = new PgPayloadWriter(client, { deliveryId, domainId: pgText(meta.domainId), receivedAt: meta.receivedAt });
  for (const event of parsed.events) await writer.apply(event);
  await writer.flush();
  await client.query(
    `UPDATE deliveries SET status = 'stored', error = NULL, kind = $1, entry_count = $2, new_entries = $3, call_id = coalesce(call_id, $4),
       repairs = $5, first_ts = $6, last_ts = $7
     WHERE id = $8`,
    [
      writer.root,
      writer.counts.entries,
      writer.counts.newEntries,
      pgText(writer.callId),
      parsed.repairs.length ? pgText(parsed.repairs.join('\n')) : null,
      writer.span?.first ?? null,
      writer.span?.last ?? null,
      deliveryId,
    ],
  );
  return { status: 'stored', deliveryId, counts: writer.counts, rooms: [...writer.grownRooms], repairs: [...parsed.repairs] };
}

interface Context {
  deliveryId: number;
  domainId: string;
  receivedAt: number;
}

/** An entry waiting to be written with the others of its batch. */
interface Pending {
  entry: ChatEntry;
  roomId: number;
  /** Its user's row, found or made for the whole batch at once (resolveUsers). */
  userId: number | null;
  key: number;
  /** Filled in by the flush: the entry's id, new or found. */
  id?: number;
}

/** Entries written in one statement at most (a payload's entries go in batches of this many). */
const BATCH = 2000;

/**
 * PayloadWriter's work on PostgreSQL: rooms, users, entries (in batches: one statement finds the
 * ones already stored, one writes the new ones), abuse reports and their entries, roster and
 * connection snapshots, the rooms' counters and hourly activity.
 */
export class PgPayloadWriter {
  readonly counts: WriteCounts = { entries: 0, newEntries: 0, rooms: 0, abuseReports: 0, rosterRooms: 0, connections: 0 };
  root: PayloadKind | null = null;
  callId: string | null = null;
  span: { first: number; last: number } | null = null;
  readonly grownRooms = new Set<string>();
  private readonly roomIds = new Map<string, number>();
  /** Users by their ID: `fresh` until a display name of theirs was set in this delivery (the stored one is not known). */
  private readonly userIds = new Map<string, { id: number; displayName: string | null; fresh?: boolean }>();
  private pending: Pending[] = [];
  private readonly abuseEntryIds: number[] = [];
  private readonly roomGrowth = new Map<number, Growth>();
  private snapshotId: number | null = null;
  private imSnapshotId: number | null = null;

  constructor(
    private readonly client: WriteSession,
    private readonly context: Context,
  ) {}

  async apply(event: PayloadEvent): Promise<void> {
    switch (event.kind) {
      case 'document':
        this.root = event.root;
        this.callId = event.callId;
        if (event.root === 'rooms') this.snapshotId = await this.createSnapshot();
        return;
      case 'room':
        await this.roomId(event.name);
        return;
      case 'entry':
        await this.queueEntry(event.entry);
        return;
      case 'abuse':
        await this.writeEntries();
        await this.writeAbuseReport(event.report);
        return;
      case 'roster':
        await this.writeRosterRoom(event.room, event.userIds);
        return;
      case 'connection':
        await this.writeConnection(event);
        return;
      default:
        return assertNever(event);
    }
  }

  /** A row found or made by a unique key, without spending an id on a row that exists (ids as SQLite's). */
  private async findOrInsert(select: string, insert: string, values: unknown[]): Promise<number> {
    const found = await this.client.query<{ id: number }>(select, values);
    if (found.rows[0]) return found.rows[0].id;
    const made = await this.client.query<{ id: number }>(insert, values);
    if (made.rows[0]) return made.rows[0].id;
    // Another writer made it in between: it is there now.
    return (await this.client.query<{ id: number }>(select, values)).rows[0]!.id;
  }

  private async roomId(name: string): Promise<number> {
    let id = this.roomIds.get(name);
    if (id === undefined) {
      id = await this.findOrInsert(
        'SELECT id FROM rooms WHERE domain_id = $1 AND name = $2',
        'INSERT INTO rooms (domain_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id',
        [this.context.domainId, pgText(name)],
      );
      this.roomIds.set(name, id);
      this.counts.rooms += 1;
    }
    return id;
  }

  private async userId(userId: string, displayName: string | null): Promise<number> {
    const known = this.userIds.get(userId);
    if (known && (displayName === null || displayName === known.displayName)) return known.id;
    const values = [this.context.domainId, pgText(userId)];
    let id: number;
    if (known) id = known.id;
    else
      id = await this.findOrInsert(
        'SELECT id FROM users WHERE domain_id = $1 AND user_id = $2',
        'INSERT INTO users (domain_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id',
        values,
      );
    if (displayName !== null) await this.client.query('UPDATE users SET display_name = $1 WHERE id = $2', [pgText(displayName), id]);
    this.userIds.set(userId, { id, displayName: displayName ?? known?.displayName ?? null });
    return id;
  }

  /**
   * The users of a batch's entries, as userId() finds or makes them one at a time, in three
   * statements for the batch: the known ones found, the new ones made in the order they first
   * speak (so their ids are the ones SQLite gives them), and the display names they bring set
   * (each user's last one in the batch, which is where one by one ends too).
   */
  private async resolveUsers(batch: Pending[]): Promise<void> {
    const unknown: string[] = [];
    for (const { entry } of batch)
      if (entry.userId !== null && !this.userIds.has(entry.userId) && !unknown.includes(entry.userId)) unknown.push(entry.userId);
    if (unknown.length) {
      const domain = this.context.domainId;
      const find = async (names: string[]) =>
        (
          await this.client.query<{ id: number; user_id: string }>(
            'SELECT id, user_id FROM users WHERE domain_id = $1 AND user_id = ANY($2)',
            [domain, names.map((name) => pgText(name))],
          )
        ).rows;
      const found = new Map((await find(unknown)).map((row) => [row.user_id, row.id]));
      const missing = unknown.filter((name) => !found.has(pgText(name)));
      if (missing.length) {
        const made = await this.client.query<{ id: number; user_id: string }>(
          `INSERT INTO users (domain_id, user_id) SELECT $1, name FROM unnest($2::text[]) WITH ORDINALITY AS m (name, n) ORDER BY n
           ON CONFLICT DO NOTHING RETURNING id, user_id`,
          [domain, missing.map((name) => pgText(name))],
        );
        for (const row of made.rows) found.set(row.user_id, row.id);
        // Another writer made some in between: they are there now.
        const raced = missing.filter((name) => !found.has(pgText(name)));
        if (raced.length) for (const row of await find(raced)) found.set(row.user_id, row.id);
      }
      for (const name of unknown) this.userIds.set(name, { id: found.get(pgText(name))!, displayName: null, fresh: true });
    }
    const named = new Map<number, string>();
    for (const p of batch) {
      if (p.entry.userId === null) continue;
      const known = this.userIds.get(p.entry.userId)!;
      p.userId = known.id;
      const name = p.entry.displayName;
      if (name !== null && (known.fresh || name !== known.displayName)) named.set(known.id, name);
      if (name !== null) this.userIds.set(p.entry.userId, { id: known.id, displayName: name, fresh: false });
    }
    if (named.size)
      await this.client.query(
        'UPDATE users u SET display_name = v.name FROM unnest($1::bigint[], $2::text[]) AS v (id, name) WHERE u.id = v.id',
        [[...named.keys()], [...named.values()].map((name) => pgText(name))],
      );
  }

  private async queueEntry(entry: ChatEntry): Promise<void> {
    this.span = this.span
      ? { first: Math.min(this.span.first, entry.timestamp), last: Math.max(this.span.last, entry.timestamp) }
      : { first: entry.timestamp, last: entry.timestamp };
    const roomId = await this.roomId(entry.room);
    this.pending.push({ entry, roomId, userId: null, key: entryKey(entry) });
    this.counts.entries += 1;
    if (this.pending.length >= BATCH) await this.writeEntries();
  }

  /**
   * Writes the queued entries: those already stored (by an earlier delivery, or earlier in this
   * one) only get a display name they lacked; the others are written with ids taken in order.
   */
  private async writeEntries(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    await this.resolveUsers(batch);
    const identity = (p: { roomId: number; entry: { timestamp: number }; key: number }) => `${p.roomId}:${p.entry.timestamp}:${p.key}`;
    // Repeats within the batch are the first one's (SQLite's insert finds the row the first wrote).
    const first = new Map<string, Pending>();
    const repeats: Array<[Pending, Pending]> = [];
    for (const p of batch) {
      const earlier = first.get(identity(p));
      if (earlier) repeats.push([p, earlier]);
      else first.set(identity(p), p);
    }
    const unique = [...first.values()];
    const stored = await this.client.query<{ id: number; room_id: number; ts: number; dedup_key: number; display_name: string | null }>(
      `SELECT e.id, e.room_id, e.ts, e.dedup_key, e.display_name FROM entries e
       JOIN unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS k (room_id, ts, dedup_key)
         ON e.room_id = k.room_id AND e.ts = k.ts AND e.dedup_key = k.dedup_key`,
      [unique.map((p) => p.roomId), unique.map((p) => p.entry.timestamp), unique.map((p) => p.key)],
    );
    const existing = new Map(stored.rows.map((row) => [`${row.room_id}:${row.ts}:${row.dedup_key}`, row]));
    const fresh: Pending[] = [];
    const fills: Array<{ id: number; displayName: string }> = [];
    for (const p of unique) {
      const row = existing.get(identity(p));
      if (!row) fresh.push(p);
      else {
        p.id = row.id;
        if (p.entry.displayName !== null && row.display_name === null) {
          fills.push({ id: row.id, displayName: p.entry.displayName });
          row.display_name = p.entry.displayName;
        }
      }
    }
    if (fresh.length) await this.insertFresh(fresh);
    // A repeat with a display name gives it to the stored entry that had none (SQLite's fillDisplayName).
    const named = new Map<number, string>();
    for (const [repeat, original] of repeats) {
      repeat.id = original.id;
      const had = original.entry.displayName ?? named.get(original.id!) ?? existing.get(identity(original))?.display_name ?? null;
      if (repeat.entry.displayName !== null && had === null) {
        named.set(original.id!, repeat.entry.displayName);
        fills.push({ id: original.id!, displayName: repeat.entry.displayName });
      }
    }
    for (const fill of fills) {
      await this.client.query('UPDATE entries SET display_name = $1 WHERE id = $2 AND display_name IS NULL', [
        pgText(fill.displayName),
        fill.id,
      ]);
    }
    if (this.root === 'abuse') for (const p of batch) this.abuseEntryIds.push(p.id!);
  }

  private async insertFresh(fresh: Pending[]): Promise<void> {
    await ensureMonths(
      this.client,
      fresh.map((p) => p.entry.timestamp),
    );
    const taken = await this.client.query<{ id: number }>("SELECT nextval('entries_id_seq') AS id FROM generate_series(1, $1)", [
      fresh.length,
    ]);
    const ids = taken.rows.map((row) => row.id).sort((a, b) => a - b);
    const columns = fresh.map((p, i) => {
      const { words, lexemes } = indexColumns(tokenize(p.entry.content));
      return {
        id: ids[i]!,
        words,
        lexemes,
      };
    });
    const inserted = await this.client.query<{ id: number }>(
      `INSERT INTO entries (id, room_id, type, ts, ts_raw, user_id, display_name, invisible, content, delivery_id, received_at, dedup_key,
         words, lexemes)
       SELECT id, room_id, type, ts, ts_raw, user_id, display_name, invisible, content, $10, $11, dedup_key,
         words, CASE WHEN lexemes IS NULL THEN NULL ELSE array_to_tsvector(string_to_array(lexemes, ' ')) END
       FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::smallint[], $9::text[],
                   $12::bigint[], $13::text[], $14::text[])
         AS v (id, room_id, type, ts, ts_raw, user_id, display_name, invisible, content, dedup_key, words, lexemes)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [
        columns.map((c) => c.id),
        fresh.map((p) => p.roomId),
        fresh.map((p) => pgText(p.entry.type)),
        fresh.map((p) => p.entry.timestamp),
        fresh.map((p) => pgText(p.entry.timestampRaw)),
        fresh.map((p) => p.userId),
        fresh.map((p) => pgText(p.entry.displayName)),
        fresh.map((p) => (p.entry.invisible === null ? null : Number(p.entry.invisible))),
        fresh.map((p) => pgText(p.entry.content)),
        this.context.deliveryId,
        this.context.receivedAt,
        fresh.map((p) => p.key),
        columns.map((c) => c.words),
        columns.map((c) => c.lexemes),
      ],
    );
    const written = new Set(inserted.rows.map((row) => row.id));
    for (let i = 0; i < fresh.length; i++) {
      const p = fresh[i]!;
      if (written.has(columns[i]!.id)) {
        p.id = columns[i]!.id;
        this.counts.newEntries += 1;
        this.grow(p.roomId, p.entry);
      } else {
        // Another writer stored it since the lookup: it is that one's.
        p.id = (
          await this.client.query<{ id: number }>('SELECT id FROM entries WHERE room_id = $1 AND ts = $2 AND dedup_key = $3', [
            p.roomId,
            p.entry.timestamp,
            p.key,
          ])
        ).rows[0]!.id;
      }
    }
  }

  private grow(roomId: number, entry: ChatEntry): void {
    addGrowth(this.roomGrowth, this.grownRooms, roomId, entry);
  }

  /** Writes what is queued and the rooms' counters and activity; call before the transaction commits. */
  async flush(): Promise<void> {
    await this.writeEntries();
    for (const [roomId, growth] of this.roomGrowth) {
      await this.client.query(
        'UPDATE rooms SET entry_count = entry_count + $1, last_ts = greatest(coalesce(last_ts, 0), $2) WHERE id = $3',
        [growth.added, growth.lastTs, roomId],
      );
      const hours = [...growth.hours];
      await this.client.query(
        `INSERT INTO activity (room_id, hour, entries) SELECT $1, hour, n FROM unnest($2::bigint[], $3::bigint[]) AS a (hour, n)
         ON CONFLICT (room_id, hour) DO UPDATE SET entries = activity.entries + excluded.entries`,
        [roomId, hours.map(([hour]) => hour), hours.map(([, n]) => n)],
      );
    }
    this.roomGrowth.clear();
  }

  private async writeAbuseReport(report: AbuseReport): Promise<void> {
    const { deliveryId, domainId, receivedAt } = this.context;
    const made = await this.client.query<{ id: number }>(
      `INSERT INTO abuse_reports (delivery_id, domain_id, reporting_user_id, abuser_user_id, abuser_ip_address, recording_name, recording_url,
         description, reason, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        deliveryId,
        domainId,
        pgText(report.reportingUserId),
        pgText(report.abuserUserId),
        pgText(report.abuserIpAddress),
        pgText(report.recordingName),
        pgText(report.recordingUrl),
        pgText(report.description),
        pgText(report.reason),
        receivedAt,
      ],
    );
    const reportId = made.rows[0]!.id;
    await this.client.query(
      'INSERT INTO abuse_report_entries (report_id, entry_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING',
      [reportId, this.abuseEntryIds],
    );
    this.counts.abuseReports += 1;
  }

  private async writeConnection(connection: Extract<PayloadEvent, { kind: 'connection' }>): Promise<void> {
    const { deliveryId, domainId, receivedAt } = this.context;
    this.imSnapshotId ??= (
      await this.client.query<{ id: number }>(
        'INSERT INTO im_connection_snapshots (delivery_id, domain_id, server, taken_at) VALUES ($1, $2, $3, $4) RETURNING id',
        [deliveryId, domainId, pgText(connection.server), receivedAt],
      )
    ).rows[0]!.id;
    await this.client.query('INSERT INTO im_connections (snapshot_id, from_kind, from_id, to_id) VALUES ($1, $2, $3, $4)', [
      this.imSnapshotId,
      connection.fromKind,
      pgText(connection.from),
      pgText(connection.to),
    ]);
    this.counts.connections += 1;
  }

  private async createSnapshot(): Promise<number> {
    const { deliveryId, domainId, receivedAt } = this.context;
    return (
      await this.client.query<{ id: number }>(
        'INSERT INTO connection_snapshots (delivery_id, domain_id, taken_at) VALUES ($1, $2, $3) RETURNING id',
        [deliveryId, domainId, receivedAt],
      )
    ).rows[0]!.id;
  }

  private async writeRosterRoom(room: string, userIds: string[]): Promise<void> {
    const snapshotId = this.snapshotId ?? (this.snapshotId = await this.createSnapshot());
    const roomId = await this.roomId(room);
    const unique = new Set(userIds);
    await this.client.query(
      `INSERT INTO connection_snapshot_rooms (snapshot_id, room_id, user_count) VALUES ($1, $2, $3)
       ON CONFLICT (snapshot_id, room_id) DO UPDATE SET user_count = excluded.user_count`,
      [snapshotId, roomId, unique.size],
    );
    for (const userId of unique) {
      await this.client.query(
        'INSERT INTO connection_snapshot_users (snapshot_id, room_id, user_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [snapshotId, roomId, await this.userId(userId, null)],
      );
    }
    this.counts.rosterRooms += 1;
  }
}
