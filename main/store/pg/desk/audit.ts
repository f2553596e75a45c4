// The audit trail's newest rows over PostgreSQL, oldest of them first: what store/audit.ts's
// listAudit answers over SQLite for the desk's view (the chain's verdict is PgReads.verifyAudit).
import type pg from 'pg';
import type { AuditRecord } from '../../../../shared/review.js';
import { toAuditRecord, type AuditRow } from '../../audit.js';

type Queryable = Pick<pg.ClientBase, 'query'>;

/** The newest `limit` rows (a whole number from 1), oldest first. */
export async function listAudit(client: Queryable, limit: number): Promise<AuditRecord[]> {
  const rows = await client.query<AuditRow>('SELECT * FROM audit_log ORDER BY id DESC LIMIT $1', [Math.trunc(limit)]);
  return rows.rows.reverse().map(toAuditRecord);
}
