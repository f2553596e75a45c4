// Retention, the store's part: removes entries older than a date, except what must stay — entries
// under a hold (a tag that is a hold, on the entry, its user or its room) and the reported messages
// of reports still open or in review. The full-text index, the rooms' counts and last activity,
// the hourly activity and the marks kept by entry id stay consistent with what remains.
//
// A purge forgets: the full-text index is merged into one segment afterwards (rewriteIndexStep),
// which leaves out the removed entries' terms, `secure_delete` overwrites the freed database
// pages (the old segments among them), the notes on removed entries go and
// the audit rows that quoted them keep the fact without the text, quarantined payloads older than
// the date are dropped, and the WAL is checkpointed and truncated at the end. The raw payloads of
// deliveries are rewritten by main/retention (it needs the parser); this module tells it which.
//
// Entries go in batches, each its own short IMMEDIATE transaction, so a receiver writing beside
// the purge waits milliseconds, not the whole purge, and never meets a stale snapshot.
import { HOUR_MS } from '../../shared/instant.js';
import { appendAudit, redactAuditDetails } from './audit.js';
import type { Db } from './db.js';
import type { DeliveryRow } from './deliveries.js';
import { newestEntryId } from './payloadWriter.js';
import { HELD, REPORTED } from './purgeKeeps.js';
import { ENTRY_IDS_FREED, getSetting, setSetting } from './settings.js';

export interface PurgeCounts {
  /** Entries removed (with dryRun: that would be). */
  removed: number;
  /** Older entries kept because a hold covers them. */
  held: number;
  /** Older entries kept because a report still open or in review quotes them. */
  reported: number;
}

/**
 * What a purge before `before` would remove, and keep; the entries to remove are listed in
 * temp.purge_ids (this connection's own) for purgeBatch.
 */
export function planPurge(db: Db, before: number): PurgeCounts {
  return db.transaction((): PurgeCounts => {
    const count = (sql: string) =>
      db.prepare<[number], number>(`SELECT count(*) FROM entries e WHERE e.ts < ? AND ${sql}`).pluck().get(before)!;
    const held = count(HELD);
    const reported = count(`${REPORTED} AND NOT ${HELD}`);
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS purge_ids (id INTEGER PRIMARY KEY);
      CREATE TEMP TABLE IF NOT EXISTS purge_batch (id INTEGER PRIMARY KEY);
      DELETE FROM temp.purge_ids;`);
    db.prepare(`INSERT INTO temp.purge_ids SELECT e.id FROM entries e WHERE e.ts < ? AND NOT ${HELD} AND NOT ${REPORTED}`).run(before);
    const removed = db.prepare<[], number>('SELECT count(*) FROM temp.purge_ids').pluck().get()!;
    return { removed, held, reported };
  })();
}

export interface BatchResult {
  removed: number;
  /** Entries planned for removal that a hold or an open report took since the plan: kept. */
  keptSincePlan: number;
  /** Notes removed with their entries, and the audit rows whose text went with them. */
  notes: number;
  redactedAuditRows: number;
  /** None left to do. */
  done: boolean;
}

/** Removes the next `size` planned entries, in one short transaction; rooms it takes entries from remember the purge (`before`). */
export function purgeBatch(db: Db, size: number, before?: number): BatchResult {
  return db
    .transaction((): BatchResult => {
      db.exec('DELETE FROM temp.purge_batch');
      db.prepare('INSERT INTO temp.purge_batch SELECT id FROM temp.purge_ids ORDER BY id LIMIT ?').run(size);
      db.exec('DELETE FROM temp.purge_ids WHERE id IN (SELECT id FROM temp.purge_batch)');
      // A hold set or a report filed since the plan keeps its entries.
      const keptSincePlan = db
        .prepare(
          `DELETE FROM temp.purge_batch WHERE id IN (SELECT e.id FROM entries e WHERE e.id IN temp.purge_batch AND (${HELD} OR ${REPORTED}))`,
        )
        .run().changes;
      const ids = 'SELECT id FROM temp.purge_batch';
      // The external-content index forgets an entry only when told its content; its terms stay in
      // the older segments (as deleted) until rewriteIndexStep merges them away.
      db.exec(`INSERT INTO entries_fts (entries_fts, rowid, content) SELECT 'delete', id, content FROM entries WHERE id IN (${ids})`);
      db.exec(`DELETE FROM tag_links WHERE target = 'entry' AND target_id IN (${ids})`);
      const noteIds = db
        .prepare<[], number>(`DELETE FROM notes WHERE target = 'entry' AND target_id IN (${ids}) RETURNING id`)
        .pluck()
        .all();
      let redactedAuditRows = 0;
      if (noteIds.length > 0) {
        const rows = db
          .prepare<[string], { id: number; details: string }>(
            `SELECT id, details FROM audit_log WHERE action IN ('note', 'note edited') AND json_extract(details, '$.note') IN (SELECT value FROM json_each(?))`,
          )
          .all(JSON.stringify(noteIds));
        for (const row of rows) {
          const { target, id, note } = JSON.parse(row.details) as Record<string, unknown>;
          if (redactAuditDetails(db, row.id, { target, id, note, text: 'removed by a purge' })) redactedAuditRows += 1;
        }
      }
      db.exec(`DELETE FROM watch_matches WHERE entry_id IN (${ids})`);
      db.exec(`DELETE FROM abuse_report_entries WHERE entry_id IN (${ids})`);
      // The kept counters: per room, and per room and hour.
      const byHour = db
        .prepare<[], { room_id: number; hour: number; n: number }>(
          `SELECT room_id, (ts - (((ts % ${HOUR_MS}) + ${HOUR_MS}) % ${HOUR_MS})) / ${HOUR_MS} AS hour, count(*) AS n
           FROM entries WHERE id IN (${ids}) GROUP BY room_id, hour`,
        )
        .all();
      const activity = db.prepare('UPDATE activity SET entries = entries - ? WHERE room_id = ? AND hour = ?');
      const rooms = new Map<number, number>();
      for (const { room_id, hour, n } of byHour) {
        activity.run(n, room_id, hour);
        rooms.set(room_id, (rooms.get(room_id) ?? 0) + n);
      }
      db.exec('DELETE FROM activity WHERE entries <= 0');
      const newestBefore = newestEntryId(db);
      const removed = db.prepare(`DELETE FROM entries WHERE id IN (${ids})`).run().changes;
      if (newestEntryId(db) < newestBefore) lowerEntryMarks(db);
      const room = db.prepare(
        'UPDATE rooms SET entry_count = entry_count - ?, last_ts = (SELECT max(ts) FROM entries e WHERE e.room_id = rooms.id) WHERE id = ?',
      );
      for (const [roomId, n] of rooms) room.run(n, roomId);
      // So a room left with nothing says it was purged, and when, not "never".
      if (before !== undefined) {
        const purged = db.prepare(
          `INSERT INTO room_purges (room_id, at, before, removed) VALUES (?, ?, ?, ?)
           ON CONFLICT (room_id) DO UPDATE SET at = excluded.at, before = excluded.before,
             removed = CASE WHEN room_purges.before = excluded.before THEN room_purges.removed + excluded.removed ELSE excluded.removed END`,
        );
        for (const [roomId, n] of rooms) purged.run(roomId, Date.now(), before, n);
      }
      const left = db.prepare<[], number>('SELECT count(*) FROM temp.purge_ids').pluck().get()!;
      return { removed, keptSincePlan, notes: noteIds.length, redactedAuditRows, done: left === 0 };
    })
    .immediate();
}

/**
 * SQLite gives a new entry the id after the newest one left (entries has no AUTOINCREMENT): once
 * a purge removed the newest entries, their ids are handed out again. So what marks a point among
 * the entries by id — how far watch matching looked, where a watch term starts looking, what a
 * saved search's reader had seen — comes down to the newest entry left: what arrives next is new
 * to each of them. And `entry_ids_freed` counts the times: a watch round that read the entries
 * before it found ids that may name other entries now (watchlist.ts). (PostgreSQL's sequence
 * never hands an id out twice.)
 */
function lowerEntryMarks(db: Db): void {
  const newest = newestEntryId(db);
  db.prepare("UPDATE settings SET value = ? WHERE key = 'watch_checked_to' AND CAST(value AS INTEGER) > ?").run(String(newest), newest);
  db.prepare('UPDATE watch_terms SET after_entry_id = ? WHERE after_entry_id > ?').run(newest, newest);
  db.prepare('UPDATE saved_searches SET seen_entry_id = ? WHERE seen_entry_id > ?').run(newest, newest);
  setSetting(db, ENTRY_IDS_FREED, String(Number(getSetting(db, ENTRY_IDS_FREED) ?? 0) + 1));
}

/** How many pages the full-text index holds now: a rewrite of it writes about as many. */
export function indexPages(db: Db): number {
  return db.prepare<[], number>('SELECT count(*) FROM entries_fts_data').pluck().get()!;
}

/**
 * One step of rewriting the full-text index into a single segment (FTS5's incremental optimize):
 * about `pages` pages of merging, in one short transaction. The merged segment holds only what is
 * still indexed, so the terms of purged entries are gone from the index once the steps are done.
 * Answers whether there is more to do.
 */
export function rewriteIndexStep(db: Db, pages: number): boolean {
  return db
    .transaction(() => {
      const before = db.prepare<[], number>('SELECT total_changes()').pluck().get()!;
      db.prepare("INSERT INTO entries_fts (entries_fts, rank) VALUES ('merge', ?)").run(-Math.max(16, Math.trunc(pages)));
      // FTS5's own test of whether work is left: a step that changed fewer than two rows merged nothing.
      return db.prepare<[], number>('SELECT total_changes()').pluck().get()! - before >= 2;
    })
    .immediate();
}

/** Deliveries whose raw payload can hold an entry from before `before`: their span reaches it, or is not known. */
export function payloadsReaching(db: Db, before: number): Array<Pick<DeliveryRow, 'id' | 'domain_id' | 'payload'>> {
  return db
    .prepare<[number], Pick<DeliveryRow, 'id' | 'domain_id' | 'payload'>>(
      `SELECT id, domain_id, payload FROM deliveries
       WHERE status = 'stored' AND payload IS NOT NULL AND length(payload) > 0 AND (first_ts IS NULL OR first_ts < ?) ORDER BY id`,
    )
    .all(before);
}

/** Whether an entry with this identity is still stored (a payload's entry that is not was purged). */
export function entryStillStored(db: Db, domainId: string, room: string, ts: number, dedupKey: number): boolean {
  return (
    db
      .prepare(
        'SELECT 1 FROM entries e JOIN rooms r ON r.id = e.room_id WHERE r.domain_id = ? AND r.name = ? AND e.ts = ? AND e.dedup_key = ?',
      )
      .get(domainId, room, ts, dedupKey) !== undefined
  );
}

/**
 * Replaces a delivery's raw payload after a purge: with the payload less the purged messages
 * (`payload`), or with nothing (null: nothing of it is left), noting what was done. The original's
 * SHA-256 stays in sha256: a retry of the same bytes is still known as one.
 */
export function replacePayload(
  db: Db,
  id: number,
  payload: Uint8Array | null,
  note: string,
  span: { first: number; last: number } | null,
): void {
  db.prepare('UPDATE deliveries SET payload = ?, payload_note = ?, first_ts = ?, last_ts = ? WHERE id = ?').run(
    payload,
    note,
    span?.first ?? null,
    span?.last ?? null,
    id,
  );
}

/** Records the span of a payload a purge read and left as it was, so the next purge need not read it again. */
export function recordPayloadSpan(db: Db, id: number, span: { first: number; last: number } | null): void {
  db.prepare('UPDATE deliveries SET first_ts = ?, last_ts = ? WHERE id = ?').run(span?.first ?? null, span?.last ?? null, id);
}

/** Drops the raw payloads of deliveries kept in quarantine that arrived before `before`; answers how many. */
export function dropQuarantinedPayloads(db: Db, before: number, note: string): number {
  return db
    .prepare(
      `UPDATE deliveries SET payload = NULL, payload_note = ? WHERE status = 'quarantined' AND received_at < ? AND payload IS NOT NULL`,
    )
    .run(note, before).changes;
}

export interface PurgeRecord extends PurgeCounts {
  before: number;
  payloadsRewritten: number;
  payloadsDropped: number;
  quarantineDropped: number;
  notes: number;
  redactedAuditRows: number;
}

/** The purge's row in the audit trail: what it removed, never the text. */
export function recordPurge(db: Db, record: PurgeRecord, moderator: string): number {
  return db
    .transaction(() =>
      appendAudit(db, 'purge', moderator, {
        before: new Date(record.before).toISOString(),
        removed: record.removed,
        held: record.held,
        reported: record.reported,
        payloadsRewritten: record.payloadsRewritten,
        payloadsDropped: record.payloadsDropped,
        quarantineDropped: record.quarantineDropped,
        notes: record.notes,
        redactedAuditRows: record.redactedAuditRows,
      }),
    )
    .immediate();
}

/**
 * Writes the WAL's pages into the database and cuts the WAL to nothing: old page images (with
 * text since removed) do not linger in it. A truncating checkpoint holds off writers while it waits
 * for readers, so it is tried with a short wait, a few times, after a checkpoint that blocks no one:
 * a receiver beside it waits milliseconds. Answers false when readers kept it from finishing.
 */
export async function truncateWal(db: Db, { attempts = 50, waitMs = 200 } = {}): Promise<boolean> {
  const busyTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    db.pragma(`busy_timeout = ${waitMs}`);
    for (let attempt = 0; attempt < attempts; attempt++) {
      const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
      if (result?.busy === 0) return true;
      await new Promise((resolve) => setTimeout(resolve, waitMs * 2));
    }
    return false;
  } finally {
    db.pragma(`busy_timeout = ${busyTimeout}`);
  }
}
