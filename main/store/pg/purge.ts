// omv purge on PostgreSQL: store/purge.ts's rules (entries older than a date go, except those
// under a hold and those quoted by reports still open or in review; their tags, notes — the audit
// rows that quoted a note keep the fact without the text — watch matches and report links with
// them; the rooms' counts and hourly activity follow), done as PostgreSQL does retention at scale:
// a month wholly before the date that holds nothing to keep is dropped as a table (its files are
// gone at once), and only the rest is deleted, in short batches beside a receiver. Then the raw
// payloads that held purged entries are rewritten without them (or dropped when nothing is left),
// quarantined payloads older than the date dropped, and the trail says what was removed.
//
// What PostgreSQL does not do that SQLite's secure_delete does: rows deleted from a month that
// stays keep their bytes in its pages until VACUUM reuses the space, and in the WAL (and any
// archive of it) until it is recycled. A month dropped whole is unlinked.
import { HOUR_MS } from '../../../shared/instant.js';
import { cutPurgedEntries } from '../../parser/entryCut.js';
import type { PurgeCounts, PurgeRecord } from '../purge.js';
import { inWriteTransaction, type WritePool, type WriteSession } from './connection.js';
import { PURGE_LOCK } from './locks.js';
import { listMonths, monthRange } from './partitions.js';
import { appendAuditRow } from './writes.js';
import { HELD, REPORTED } from '../purgeKeeps.js';

export interface PgPurgeResult extends PurgeRecord {
  /** Whole months dropped as tables. */
  monthsDropped: number;
  auditId: number | null;
}

/** Entries per batch transaction, and per statement inside a month's. */
const BATCH = 5_000;
/** How long dropping a month may wait for the lock on entries (readers hold it) before trying again. */
const DROP_LOCK_TIMEOUT_MS = 2_000;

/**
 * What goes with these entries before they go: their tags, notes (the audit rows quoting a note
 * redacted), watch matches, report links, and their share of the rooms' counts and activity.
 */
async function forgetEntries(session: WriteSession, ids: number[], before: number): Promise<{ notes: number; redacted: number }> {
  await session.query(`DELETE FROM tag_links WHERE target = 'entry' AND target_id = ANY($1)`, [ids]);
  const notes = (
    await session.query<{ id: number }>(`DELETE FROM notes WHERE target = 'entry' AND target_id = ANY($1) RETURNING id`, [ids])
  ).rows;
  let redacted = 0;
  if (notes.length) {
    const rows = await session.query<{ id: number; details: string }>(
      `SELECT id, details FROM audit_log WHERE action IN ('note', 'note edited') AND details_sha256 IS NOT NULL
         AND (details::jsonb ->> 'note')::bigint = ANY($1)`,
      [notes.map((note) => note.id)],
    );
    const at = Date.now();
    for (const row of rows.rows) {
      const { target, id, note } = JSON.parse(row.details) as Record<string, unknown>;
      const details = JSON.stringify({ target, id, note, text: 'removed by a purge', redacted: new Date(at).toISOString() });
      redacted +=
        (await session.query('UPDATE audit_log SET details = $1, redacted_at = $2 WHERE id = $3', [details, at, row.id])).rowCount ?? 0;
    }
  }
  await session.query('DELETE FROM watch_matches WHERE entry_id = ANY($1)', [ids]);
  await session.query('DELETE FROM abuse_report_entries WHERE entry_id = ANY($1)', [ids]);
  const byHour = await session.query<{ room_id: number; hour: number; n: number }>(
    `SELECT room_id, floor(ts::numeric / ${HOUR_MS})::bigint AS hour, count(*)::int AS n FROM entries WHERE id = ANY($1) GROUP BY room_id, hour`,
    [ids],
  );
  const rooms = new Map<number, number>();
  for (const { room_id, n } of byHour.rows) rooms.set(room_id, (rooms.get(room_id) ?? 0) + n);
  await session.query(
    `UPDATE activity a SET entries = a.entries - v.n FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v (room_id, hour, n)
     WHERE a.room_id = v.room_id AND a.hour = v.hour`,
    [byHour.rows.map((r) => r.room_id), byHour.rows.map((r) => r.hour), byHour.rows.map((r) => r.n)],
  );
  await session.query('DELETE FROM activity WHERE entries <= 0');
  await session.query(
    `UPDATE rooms r SET entry_count = r.entry_count - v.n FROM unnest($1::bigint[], $2::bigint[]) AS v (id, n) WHERE r.id = v.id`,
    [[...rooms.keys()], [...rooms.values()]],
  );
  await session.query(
    `INSERT INTO room_purges (room_id, at, before, removed) SELECT id, $3, $4, n FROM unnest($1::bigint[], $2::bigint[]) AS v (id, n)
     ON CONFLICT (room_id) DO UPDATE SET at = excluded.at, before = excluded.before,
       removed = CASE WHEN room_purges.before = excluded.before THEN room_purges.removed + excluded.removed ELSE excluded.removed END`,
    [[...rooms.keys()], [...rooms.values()], Date.now(), before],
  );
  return { notes: notes.length, redacted };
}

/** The rooms' last activity, once their entries went (or without a month about to be dropped). */
async function refreshLastTs(session: WriteSession, without?: { from: number; to: number }): Promise<void> {
  const left = without ? `AND NOT (e.ts >= ${without.from} AND e.ts < ${without.to})` : '';
  await session.query(
    `UPDATE rooms r SET last_ts = (SELECT max(ts) FROM entries e WHERE e.room_id = r.id ${left}) WHERE r.last_ts IS NOT NULL`,
  );
}

export async function purgePg(writer: WritePool, before: number, options: { moderator: string; dryRun?: boolean }): Promise<PgPurgeResult> {
  const counted = (
    await writer.pool.query<{ held: number; reported: number; removed: number }>(
      `SELECT count(*) FILTER (WHERE held)::int AS held, count(*) FILTER (WHERE reported AND NOT held)::int AS reported,
              count(*) FILTER (WHERE NOT held AND NOT reported)::int AS removed
       FROM (SELECT ${HELD} AS held, ${REPORTED} AS reported FROM entries e WHERE e.ts < $1) AS older`,
      [before],
    )
  ).rows[0]!;
  const planned: PurgeCounts = counted;
  const record: PgPurgeResult = {
    ...planned,
    before,
    removed: 0,
    payloadsRewritten: 0,
    payloadsDropped: 0,
    quarantineDropped: 0,
    notes: 0,
    redactedAuditRows: 0,
    monthsDropped: 0,
    auditId: null,
  };
  if (options.dryRun) return { ...record, removed: planned.removed };

  // Whole months before the date with nothing to keep: dropped as tables.
  for (const month of await listMonths(writer.pool)) {
    const range = monthRange(month);
    if (range === null || range.to > before) continue;
    const dropped = await inWriteTransaction(writer.pool, async (session) => {
      await session.query(`SET LOCAL lock_timeout = ${DROP_LOCK_TIMEOUT_MS}`);
      // No delivery is written meanwhile (a report quoting the month, say): see locks.ts.
      await session.query('SELECT pg_advisory_xact_lock($1)', [PURGE_LOCK]);
      const keeps = (await session.query(`SELECT 1 FROM ${month} e WHERE ${HELD} OR ${REPORTED} LIMIT 1`)).rowCount;
      if (keeps) return null;
      const ids = (await session.query<{ id: number }>(`SELECT id FROM ${month}`)).rows.map((row) => row.id);
      const forgotten = { notes: 0, redacted: 0 };
      for (let i = 0; i < ids.length; i += BATCH) {
        const batch = await forgetEntries(session, ids.slice(i, i + BATCH), before);
        forgotten.notes += batch.notes;
        forgotten.redacted += batch.redacted;
      }
      // The rooms' last activity without the month, before the drop: the drop's lock on entries is held to the commit.
      await refreshLastTs(session, range);
      await session.query(`DROP TABLE ${month}`);
      return { removed: ids.length, ...forgotten };
    }).catch((error: unknown) => {
      if ((error as { code?: string }).code === '55P03') return null; // lock_not_available: deleted in batches below instead
      throw error;
    });
    // Counted once committed (a month that could not be dropped is counted by the batches below).
    if (dropped !== null) {
      record.removed += dropped.removed;
      record.notes += dropped.notes;
      record.redactedAuditRows += dropped.redacted;
      record.monthsDropped += 1;
    }
  }

  // The rest, in batches: each a short transaction, a receiver's commits between them.
  for (;;) {
    const batch = await inWriteTransaction(writer.pool, async (session) => {
      await session.query('SELECT pg_advisory_xact_lock($1)', [PURGE_LOCK]);
      const ids = (
        await session.query<{ id: number }>(
          `SELECT e.id FROM entries e WHERE e.ts < $1 AND NOT ${HELD} AND NOT ${REPORTED} ORDER BY e.id LIMIT ${BATCH} FOR UPDATE`,
          [before],
        )
      ).rows.map((row) => row.id);
      if (ids.length === 0) return null;
      const forgotten = await forgetEntries(session, ids, before);
      await session.query('DELETE FROM entries WHERE id = ANY($1)', [ids]);
      await refreshLastTs(session);
      return { removed: ids.length, ...forgotten };
    });
    if (batch === null) break;
    record.removed += batch.removed;
    record.notes += batch.notes;
    record.redactedAuditRows += batch.redacted;
  }

  Object.assign(record, await forgetPayloads(writer, before));
  record.quarantineDropped =
    (
      await writer.pool.query(
        `UPDATE deliveries SET payload = NULL, payload_note = $1 WHERE status = 'quarantined' AND received_at < $2 AND payload IS NOT NULL`,
        [`payload dropped by a purge of what arrived before ${new Date(before).toISOString()}`, before],
      )
    ).rowCount ?? 0;
  if (record.removed === 0 && record.quarantineDropped === 0) return record;
  const anchor = await inWriteTransaction(writer.pool, (session) =>
    appendAuditRow(session, 'purge', options.moderator, {
      before: new Date(before).toISOString(),
      removed: record.removed,
      held: record.held,
      reported: record.reported,
      monthsDropped: record.monthsDropped,
      payloadsRewritten: record.payloadsRewritten,
      payloadsDropped: record.payloadsDropped,
      quarantineDropped: record.quarantineDropped,
      notes: record.notes,
      redactedAuditRows: record.redactedAuditRows,
    }),
  );
  return { ...record, auditId: anchor.row };
}

/** retention/purge.ts's forgetPayloads: the payloads that held purged entries, without them. */
async function forgetPayloads(writer: WritePool, before: number): Promise<Pick<PurgeRecord, 'payloadsRewritten' | 'payloadsDropped'>> {
  // What is left from before the date is what was kept: the entries a payload may still hold.
  const kept = new Set(
    (
      await writer.pool.query<{ identity: string }>(
        `SELECT r.domain_id || chr(1) || r.name || chr(1) || e.ts || chr(1) || e.dedup_key AS identity
         FROM entries e JOIN rooms r ON r.id = e.room_id WHERE e.ts < $1`,
        [before],
      )
    ).rows.map((row) => row.identity),
  );
  const reaching = (
    await writer.pool.query<{ id: number; domain_id: string }>(
      `SELECT id, domain_id FROM deliveries WHERE status = 'stored' AND payload IS NOT NULL AND length(payload) > 0
         AND (first_ts IS NULL OR first_ts < $1) ORDER BY id`,
      [before],
    )
  ).rows;
  let payloadsRewritten = 0;
  let payloadsDropped = 0;
  const when = new Date().toISOString();
  for (const delivery of reaching) {
    const [{ payload }] = (await writer.pool.query<{ payload: Buffer }>('SELECT payload FROM deliveries WHERE id = $1', [delivery.id]))
      .rows as [{ payload: Buffer }];
    const cut = cutPurgedEntries(
      payload,
      (entry, key) => entry.timestamp >= before || kept.has(`${delivery.domain_id}\u0001${entry.room}\u0001${entry.timestamp}\u0001${key}`),
    );
    const set = (values: [Buffer | null, string | null, number | null, number | null]) =>
      writer.pool.query(
        'UPDATE deliveries SET payload = $1, payload_note = coalesce($2, payload_note), first_ts = $3, last_ts = $4 WHERE id = $5',
        [...values, delivery.id],
      );
    if (cut.kind === 'unchanged') {
      await writer.pool.query('UPDATE deliveries SET first_ts = $1, last_ts = $2 WHERE id = $3', [
        cut.span?.first ?? null,
        cut.span?.last ?? null,
        delivery.id,
      ]);
    } else if (cut.kind === 'rewritten') {
      payloadsRewritten += 1;
      await set([
        Buffer.from(cut.payload),
        `rewritten by a purge on ${when}: ${cut.removed} purged ${cut.removed === 1 ? 'entry' : 'entries'} cut out (the rest as read, in UTF-8); sha256 is the original's`,
        cut.span?.first ?? null,
        cut.span?.last ?? null,
      ]);
    } else {
      payloadsDropped += 1;
      await set([null, `dropped by a purge on ${when}: ${cut.reason}; sha256 is the original's`, null, null]);
    }
  }
  return { payloadsRewritten, payloadsDropped };
}
