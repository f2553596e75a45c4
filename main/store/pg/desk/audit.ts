// The audit trail's newest rows over PostgreSQL, oldest of them first, with the verdict on the whole
// chain: what readCalls.ts's audit answers over SQLite (listAudit, verifyAudit), read in one
// snapshot as SQLite reads it in one go, so the rows and the verdict are of the same moment.
import type pg from 'pg';
import type { AuditRecord, AuditVerdict } from '../../../../shared/review.js';
import { toAuditRecord, type AuditRow } from '../../audit.js';
import { verifyAuditIn } from '../reads.js';
import { inOneSnapshot } from './snapshot.js';

/** The newest `limit` rows (a whole number from 1), oldest first, and the chain's verdict. */
export function auditPage(pool: pg.Pool, limit: number): Promise<{ rows: AuditRecord[]; verdict: AuditVerdict }> {
  return inOneSnapshot(pool, async (session) => {
    const rows = await session.query<AuditRow>('SELECT * FROM audit_log ORDER BY id DESC LIMIT $1', [Math.trunc(limit)]);
    return { rows: rows.rows.reverse().map(toAuditRecord), verdict: await verifyAuditIn(session) };
  });
}
