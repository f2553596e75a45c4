// Writes one delivery's payload events into rooms, users, entries, abuse reports and roster
// snapshots. The caller owns the transaction. An entry already stored — same domain, room, type,
// timestamp, user and content, from any callback or file — is not stored again.
import { addGrowth, type Growth } from './roomGrowth.js';
import type { AbuseReport, ChatEntry, PayloadEvent, PayloadKind } from '../../shared/payload.js';
import { assertNever } from '../../shared/assertNever.js';
import { entryKey } from '../../shared/entryKey.js';
import { perConnection, type Db } from './db.js';

export interface DeliveryContext {
  deliveryId: number;
  domainId: string;
  receivedAt: number;
  /**
   * Leave indexing the new entries' content to the owner of the transaction (indexContentAfter).
   * Group commit does: FTS5 writes its pending terms out as a segment at every savepoint, so
   * indexing each delivery of a group in its own savepoint costs about twice as much.
   */
  deferIndexing?: boolean;
}

export interface WriteCounts {
  entries: number;
  newEntries: number;
  rooms: number;
  abuseReports: number;
  rosterRooms: number;
  /** Connections of an instant messenger's connection list. */
  connections: number;
}

function prepareStatements(db: Db) {
  return {
    room: db.prepare<[string, string], { id: number }>(
      `INSERT INTO rooms (domain_id, name) VALUES (?, ?)
       ON CONFLICT (domain_id, name) DO UPDATE SET name = excluded.name RETURNING id`,
    ),
    user: db.prepare<[string, string, string | null], { id: number }>(
      `INSERT INTO users (domain_id, user_id, display_name) VALUES (?, ?, ?)
       ON CONFLICT (domain_id, user_id) DO UPDATE SET display_name = coalesce(excluded.display_name, display_name)
       RETURNING id`,
    ),
    // Positional parameters: binding an object by name costs more than the insert's own work here.
    entry: db.prepare<[number, string, number, string, number | null, string | null, number | null, string | null, number, number, number]>(
      `INSERT INTO entries (room_id, type, ts, ts_raw, user_id, display_name, invisible, content, delivery_id, received_at, dedup_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (room_id, ts, dedup_key) DO NOTHING`,
    ),
    entryByKey: db.prepare<[number, number, number], { id: number }>(
      'SELECT id FROM entries WHERE room_id = ? AND ts = ? AND dedup_key = ?',
    ),
    fillDisplayName: db.prepare(
      'UPDATE entries SET display_name = ? WHERE room_id = ? AND ts = ? AND dedup_key = ? AND display_name IS NULL',
    ),
    // The entries written since the last flush, indexed in one statement; every entry has a row in
    // the index (a join or leave an empty one), so FTS5's own check finds the index whole.
    ftsAfter: db.prepare<[number]>('INSERT INTO entries_fts (rowid, content) SELECT id, content FROM entries WHERE id > ?'),
    newestEntryId: db.prepare<[], number | null>('SELECT max(id) FROM entries').pluck(),
    abuseReport: db.prepare(
      `INSERT INTO abuse_reports (delivery_id, domain_id, reporting_user_id, abuser_user_id, abuser_ip_address,
         recording_name, recording_url, description, reason, received_at)
       VALUES (@deliveryId, @domainId, @reportingUserId, @abuserUserId, @abuserIpAddress,
         @recordingName, @recordingUrl, @description, @reason, @receivedAt)`,
    ),
    abuseEntry: db.prepare('INSERT OR IGNORE INTO abuse_report_entries (report_id, entry_id) VALUES (?, ?)'),
    snapshot: db.prepare('INSERT INTO connection_snapshots (delivery_id, domain_id, taken_at) VALUES (?, ?, ?)'),
    imSnapshot: db.prepare('INSERT INTO im_connection_snapshots (delivery_id, domain_id, server, taken_at) VALUES (?, ?, ?, ?)'),
    imConnection: db.prepare('INSERT INTO im_connections (snapshot_id, from_kind, from_id, to_id) VALUES (?, ?, ?, ?)'),
    snapshotRoom: db.prepare('INSERT OR REPLACE INTO connection_snapshot_rooms (snapshot_id, room_id, user_count) VALUES (?, ?, ?)'),
    snapshotUser: db.prepare('INSERT OR IGNORE INTO connection_snapshot_users (snapshot_id, room_id, user_id) VALUES (?, ?, ?)'),
    roomStats: db.prepare('UPDATE rooms SET entry_count = entry_count + ?, last_ts = max(coalesce(last_ts, 0), ?) WHERE id = ?'),
    activity: db.prepare(
      'INSERT INTO activity (room_id, hour, entries) VALUES (?, ?, ?) ON CONFLICT (room_id, hour) DO UPDATE SET entries = entries + excluded.entries',
    ),
  };
}
const statements = perConnection(prepareStatements);
type Statements = ReturnType<typeof prepareStatements>;

/** The newest entry's id (0 for none): entries written after this moment have larger ids. */
export function newestEntryId(db: Db): number {
  return statements(db).newestEntryId.get() ?? 0;
}

/** Indexes the content of every entry after `id` (written with deferIndexing). */
export function indexContentAfter(db: Db, id: number): void {
  statements(db).ftsAfter.run(id);
}

export class PayloadWriter {
  readonly counts: WriteCounts = { entries: 0, newEntries: 0, rooms: 0, abuseReports: 0, rosterRooms: 0, connections: 0 };
  root: PayloadKind | null = null;
  callId: string | null = null;
  /** The earliest and latest entry time in the payload (new entries or not): what a purge can reach in it. */
  span: { first: number; last: number } | null = null;
  private readonly sql: Statements;
  private readonly roomIds = new Map<string, number>();
  private readonly userIds = new Map<string, { id: number; displayName: string | null }>();
  private readonly abuseEntryIds: number[] = [];
  /** New entries per room since the last flush: room id → count and latest timestamp. */
  private readonly roomGrowth = new Map<number, Growth>();
  /** Names of the rooms that got new entries. */
  readonly grownRooms = new Set<string>();
  private snapshotId: number | null = null;
  /** The entries after this id are not in the full-text index yet (flush() indexes them). */
  private unindexedAfter: number | null = null;

  constructor(
    db: Db,
    private readonly context: DeliveryContext,
  ) {
    this.sql = statements(db);
  }

  apply(event: PayloadEvent): void {
    switch (event.kind) {
      case 'document':
        this.root = event.root;
        this.callId = event.callId;
        if (event.root === 'rooms') this.snapshotId = this.createSnapshot();
        return;
      case 'room':
        this.roomId(event.name);
        return;
      case 'entry':
        this.writeEntry(event.entry);
        return;
      case 'abuse':
        this.writeAbuseReport(event.report);
        return;
      case 'roster':
        this.writeRosterRoom(event.room, event.userIds);
        return;
      case 'connection':
        this.writeConnection(event);
        return;
      default:
        return assertNever(event);
    }
  }

  private roomId(name: string): number {
    let id = this.roomIds.get(name);
    if (id === undefined) {
      id = this.sql.room.get(this.context.domainId, name)!.id;
      this.roomIds.set(name, id);
      this.counts.rooms += 1;
    }
    return id;
  }

  private userId(userId: string, displayName: string | null): number {
    const known = this.userIds.get(userId);
    if (known && (displayName === null || displayName === known.displayName)) return known.id;
    const id = this.sql.user.get(this.context.domainId, userId, displayName)!.id;
    this.userIds.set(userId, { id, displayName: displayName ?? known?.displayName ?? null });
    return id;
  }

  private writeEntry(entry: ChatEntry): void {
    const key = entryKey(entry);
    // Widened in place: an object per entry is a million allocations in a large import.
    if (this.span === null) this.span = { first: entry.timestamp, last: entry.timestamp };
    else if (entry.timestamp < this.span.first) this.span.first = entry.timestamp;
    else if (entry.timestamp > this.span.last) this.span.last = entry.timestamp;
    const roomId = this.roomId(entry.room);
    const inserted = this.sql.entry.run(
      roomId,
      entry.type,
      entry.timestamp,
      entry.timestampRaw,
      entry.userId === null ? null : this.userId(entry.userId, entry.displayName),
      entry.displayName,
      entry.invisible === null ? null : Number(entry.invisible),
      entry.content,
      this.context.deliveryId,
      this.context.receivedAt,
      key,
    );
    this.counts.entries += 1;
    let id: number | null = null;
    if (inserted.changes > 0) {
      id = Number(inserted.lastInsertRowid);
      this.counts.newEntries += 1;
      this.grow(roomId, entry);
      this.unindexedAfter ??= id - 1;
    } else if (entry.displayName !== null) {
      this.sql.fillDisplayName.run(entry.displayName, roomId, entry.timestamp, key);
    }
    if (this.root === 'abuse') this.abuseEntryIds.push(id ?? this.sql.entryByKey.get(roomId, entry.timestamp, key)!.id);
  }

  private grow(roomId: number, entry: ChatEntry): void {
    addGrowth(this.roomGrowth, this.grownRooms, roomId, entry);
  }

  /**
   * Indexes the new entries' content and writes the rooms' entry counts and hourly activity; call
   * before the transaction that applied the events commits, and before another writer writes
   * entries in it. Content is indexed in bulk: one INSERT … SELECT into FTS5 per flush costs a
   * fraction of a statement per entry interleaved with the entries' own inserts.
   */
  flush(): void {
    if (this.unindexedAfter !== null) {
      if (!this.context.deferIndexing) this.sql.ftsAfter.run(this.unindexedAfter);
      this.unindexedAfter = null;
    }
    for (const [roomId, growth] of this.roomGrowth) {
      this.sql.roomStats.run(growth.added, growth.lastTs, roomId);
      for (const [hour, added] of growth.hours) this.sql.activity.run(roomId, hour, added);
    }
    this.roomGrowth.clear();
  }

  private writeAbuseReport(report: AbuseReport): void {
    const { deliveryId, domainId, receivedAt } = this.context;
    const reportId = Number(this.sql.abuseReport.run({ ...report, deliveryId, domainId, receivedAt }).lastInsertRowid);
    for (const entryId of this.abuseEntryIds) this.sql.abuseEntry.run(reportId, entryId);
    this.counts.abuseReports += 1;
  }

  private imSnapshotId: number | null = null;

  private writeConnection(connection: Extract<PayloadEvent, { kind: 'connection' }>): void {
    const { deliveryId, domainId, receivedAt } = this.context;
    this.imSnapshotId ??= Number(this.sql.imSnapshot.run(deliveryId, domainId, connection.server, receivedAt).lastInsertRowid);
    this.sql.imConnection.run(this.imSnapshotId, connection.fromKind, connection.from, connection.to);
    this.counts.connections += 1;
  }

  private createSnapshot(): number {
    const { deliveryId, domainId, receivedAt } = this.context;
    return Number(this.sql.snapshot.run(deliveryId, domainId, receivedAt).lastInsertRowid);
  }

  private writeRosterRoom(room: string, userIds: string[]): void {
    const snapshotId = this.snapshotId ?? (this.snapshotId = this.createSnapshot());
    const roomId = this.roomId(room);
    const unique = new Set(userIds);
    this.sql.snapshotRoom.run(snapshotId, roomId, unique.size);
    for (const userId of unique) this.sql.snapshotUser.run(snapshotId, roomId, this.userId(userId, null));
    this.counts.rosterRooms += 1;
  }
}
