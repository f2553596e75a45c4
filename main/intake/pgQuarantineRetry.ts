// Quarantine retries on PostgreSQL (quarantineRetry.ts's attempt, over this store): a payload that
// now parses is written as the receiver writes a delivery (PgPayloadWriter) into its own delivery
// row, which leaves quarantine in the same transaction; a large imported file is imported again
// (pgFileImport.ts takes up its quarantined delivery). The row is locked and looked at again in
// that transaction: of two desks retrying it at once, the second finds it no longer in quarantine.
import { importFileToPg } from './pgFileImport.js';
import { notInQuarantine, retryFromQuarantine, type RetryResult } from './quarantineRetry.js';
import { inWriteTransaction, pgText } from '../store/pg/connection.js';
import type { PgEngine } from '../store/pg/engine.js';
import { finishImport } from '../store/pg/importDeliveries.js';
import { PURGE_LOCK } from '../store/pg/locks.js';
import { monthsAhead } from '../store/pg/partitions.js';
import { PgPayloadWriter } from '../store/pg/receipt.js';

export function retryQuarantinedPg(engine: PgEngine, id: number | undefined, moderator: string): Promise<RetryResult[]> {
  const pool = engine.writes.writer.pool;
  return retryFromQuarantine(
    {
      quarantined: async () => (await engine.reads.quarantined()).map((row) => row.id),
      delivery: (each) => engine.reads.delivery(each),
      importFile: (path, domainId) => importFileToPg(pool, path, { domainId }),
      quarantine: async (each, reason) => {
        await pool.query("UPDATE deliveries SET status = 'quarantined', error = $1 WHERE id = $2", [pgText(reason), each]);
      },
      async release(row, parsed) {
        const events = [...parsed.events];
        // The months' partitions first, outside the delivery's transaction (partitions.ts).
        await monthsAhead(
          pool,
          events.flatMap((event) => (event.kind === 'entry' ? [event.entry.timestamp] : [])),
        );
        return inWriteTransaction(
          pool,
          async (session) => {
            // Not beside a purge, as a delivery's commit is not (locks.ts).
            await session.query('SELECT pg_advisory_xact_lock_shared($1)', [PURGE_LOCK]);
            const now = await session.query<{ status: string }>('SELECT status FROM deliveries WHERE id = $1 FOR UPDATE', [row.id]);
            if (now.rows[0]?.status !== 'quarantined') throw notInQuarantine(row.id);
            const writer = new PgPayloadWriter(session, {
              deliveryId: row.id,
              domainId: pgText(row.domain_id),
              receivedAt: row.received_at,
            });
            for (const event of events) await writer.apply(event);
            await writer.flush();
            await finishImport(session, row.id, writer, parsed.repairs);
            return writer.counts;
          },
          { confirmed: true },
        );
      },
      record: (by, details) => engine.writes.appendAudit('quarantine retry', by, details),
    },
    id,
    moderator,
  );
}
