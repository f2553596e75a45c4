// An imported file's delivery row on PostgreSQL, by store/deliveries.ts's rules for imports: a file
// already stored is a duplicate counted on that delivery; one whose import was cut short is taken
// up again (its delivery still 'importing'); one in quarantine is taken back for another attempt;
// anything else is a new delivery, 'importing' until its last batch is written. The file stays
// where it is (its path is kept); its bytes are kept only when it failed, or came from a pipe.
import pg from 'pg';
import type { DeliveryMeta } from '../deliveries.js';
import { inWriteTransaction, OmvSession, pgText, type WriteSession } from './connection.js';
import { IMPORT_LOCK } from './locks.js';

/** Lock key space for deliveries' content: receipt.ts's, so two imports of the same bytes decide one after the other. */
const DELIVERY_LOCK = 0x6f6d76;

export type ImportStart = { status: 'duplicate'; deliveryId: number } | { status: 'importing'; deliveryId: number };

async function byContent(session: WriteSession, sha256: string, domainId: string, status: string): Promise<number | null> {
  const row = await session.query<{ id: number }>(
    'SELECT id FROM deliveries WHERE sha256 = $1 AND domain_id = $2 AND status = $3 ORDER BY id LIMIT 1',
    [sha256, pgText(domainId), status],
  );
  return row.rows[0]?.id ?? null;
}

/** The delivery this file's import writes into, or the earlier one it duplicates (counted on it). */
export function startImport(pool: pg.Pool, meta: DeliveryMeta): Promise<ImportStart> {
  return inWriteTransaction(pool, async (session) => {
    await session.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [DELIVERY_LOCK, meta.sha256]);
    const done = await byContent(session, meta.sha256, meta.domainId, 'stored');
    if (done !== null) {
      await session.query('UPDATE deliveries SET duplicates = duplicates + 1, last_duplicate_at = $1 WHERE id = $2', [
        meta.receivedAt,
        done,
      ]);
      return { status: 'duplicate', deliveryId: done };
    }
    const unfinished = await byContent(session, meta.sha256, meta.domainId, 'importing');
    if (unfinished !== null) return { status: 'importing', deliveryId: unfinished };
    const quarantined = await byContent(session, meta.sha256, meta.domainId, 'quarantined');
    if (quarantined !== null) {
      await session.query("UPDATE deliveries SET status = 'importing' WHERE id = $1", [quarantined]);
      return { status: 'importing', deliveryId: quarantined };
    }
    const made = await session.query<{ id: number }>(
      `INSERT INTO deliveries (source, function, domain_id, type, call_id, received_at, payload, payload_size, sha256, file_path, status)
       VALUES ('import', NULL, $1, NULL, NULL, $2, NULL, $3, $4, $5, 'importing') RETURNING id`,
      [pgText(meta.domainId), meta.receivedAt, meta.payloadSize, meta.sha256, pgText(meta.filePath ?? null)],
    );
    return { status: 'importing', deliveryId: made.rows[0]!.id };
  });
}

/** An import's hold on its delivery while it runs (locks.ts IMPORT_LOCK); `release` once it ends. */
export interface ImportClaim {
  release(): Promise<void>;
}

/**
 * Claims a delivery's import for this process; null while another process holds it. The claim is
 * held on a session of its own, not one of the pool's: an import also takes one of those for each
 * batch, and four imports holding the write pool's four sessions as claims would each wait for a
 * fifth, and every delivery, desk change and audit row behind them, for ever.
 */
export async function claimImport(pool: pg.Pool, deliveryId: number): Promise<ImportClaim | null> {
  const session = new OmvSession({
    connectionString: (pool.options as pg.PoolConfig).connectionString,
    application_name: 'omv import claim',
  });
  // Its connection lost, the lock goes with it: another import may then take the delivery over.
  session.on('error', () => undefined);
  const key = [IMPORT_LOCK, deliveryId % 2_147_483_647];
  const end = () => session.end().catch(() => undefined);
  try {
    await session.connect();
    const { taken } = (await session.query<{ taken: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS taken', key)).rows[0]!;
    if (!taken) {
      await end();
      return null;
    }
  } catch (error) {
    await end();
    throw error;
  }
  // Ending the session ends its lock.
  return { release: end };
}

/** Keeps a copy of the raw bytes with a delivery (a file that could not be read, or a pipe's). */
export async function keepPayload(pool: pg.Pool, deliveryId: number, payload: Uint8Array): Promise<void> {
  await pool.query('UPDATE deliveries SET payload = $1 WHERE id = $2', [
    Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
    deliveryId,
  ]);
}

export async function quarantineImport(session: WriteSession, deliveryId: number, reason: string): Promise<void> {
  await session.query("UPDATE deliveries SET status = 'quarantined', error = $1 WHERE id = $2", [pgText(reason), deliveryId]);
}

/** What finishDelivery records of a delivery's writer. */
export interface Written {
  root: string | null;
  callId: string | null;
  counts: { entries: number; newEntries: number };
  span: { first: number; last: number } | null;
}

export async function finishImport(session: WriteSession, deliveryId: number, written: Written, repairs: readonly string[]): Promise<void> {
  await session.query(
    `UPDATE deliveries SET status = 'stored', error = NULL, kind = $1, entry_count = $2, new_entries = $3, call_id = coalesce(call_id, $4),
       repairs = $5, first_ts = $6, last_ts = $7
     WHERE id = $8`,
    [
      written.root,
      written.counts.entries,
      written.counts.newEntries,
      pgText(written.callId),
      repairs.length ? pgText(repairs.join('\n')) : null,
      written.span?.first ?? null,
      written.span?.last ?? null,
      deliveryId,
    ],
  );
}
