// The audit trail: every moderator action appended with its time, moderator and details. Rows are
// hash-chained: each holds the SHA-256 of the previous row's hash and its own content, and the
// newest hash and the row count are kept apart, so editing, removing or reordering any row (the
// last ones too) is found by verifyAudit at the first row that no longer verifies.
import { createHash } from 'node:crypto';
import type { AuditRecord, AuditVerdict } from '../../shared/review.js';
import { prepareCached, type Db } from './db.js';

const GENESIS = '0'.repeat(64);

interface AuditRow {
  id: number;
  at: number;
  moderator: string;
  action: string;
  details: string;
  prev_hash: string;
  hash: string;
}

function rowHash(previous: string, row: Pick<AuditRow, 'id' | 'at' | 'moderator' | 'action' | 'details'>): string {
  const content = JSON.stringify([row.id, row.at, row.moderator, row.action, row.details]);
  return createHash('sha256').update(`${previous}\n${content}`).digest('hex');
}

/** Appends one action; run it in the transaction that makes the change it records. Answers its id. */
export function appendAudit(db: Db, action: string, moderator: string, details: Record<string, unknown>, at = Date.now()): number {
  const head = prepareCached<[], { rows: number; hash: string }>(db, 'SELECT rows, hash FROM audit_head').get() ?? {
    rows: 0,
    hash: GENESIS,
  };
  const last = prepareCached<[], { id: number }>(db, 'SELECT id FROM audit_log ORDER BY id DESC LIMIT 1').get();
  const row = { id: (last?.id ?? 0) + 1, at, moderator, action, details: JSON.stringify(details) };
  const hash = rowHash(head.hash, row);
  prepareCached(db, 'INSERT INTO audit_log (id, at, moderator, action, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    row.id,
    row.at,
    row.moderator,
    row.action,
    row.details,
    head.hash,
    hash,
  );
  prepareCached(
    db,
    'INSERT INTO audit_head (one, rows, hash) VALUES (1, ?, ?) ON CONFLICT (one) DO UPDATE SET rows = excluded.rows, hash = excluded.hash',
  ).run(head.rows + 1, hash);
  return row.id;
}

/** Walks the chain from the first row; answers the first row that does not verify, and why. */
export function verifyAudit(db: Db): AuditVerdict {
  let previous = GENESIS;
  let expectedId = 1;
  let rows = 0;
  for (const row of db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY id').iterate()) {
    const fail = (why: string): AuditVerdict => ({ intact: false, rows, badRow: row.id, why });
    if (row.id !== expectedId) return fail(`row ${expectedId} is missing (the next is ${row.id})`);
    if (row.prev_hash !== previous) return fail('it does not follow the row before it (a row was removed, changed or moved)');
    if (rowHash(previous, row) !== row.hash) return fail('its content was changed after it was written');
    previous = row.hash;
    expectedId += 1;
    rows += 1;
  }
  const head = db.prepare<[], { rows: number; hash: string }>('SELECT rows, hash FROM audit_head').get() ?? { rows: 0, hash: GENESIS };
  if (head.rows !== rows || head.hash !== previous) {
    return { intact: false, rows, badRow: rows + 1, why: `the trail held ${head.rows} rows; rows after ${rows} were removed` };
  }
  return { intact: true, rows };
}

export function listAudit(db: Db, options: { limit?: number } = {}): AuditRecord[] {
  return db
    .prepare<[number], AuditRow>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?')
    .all(options.limit ?? -1)
    .reverse()
    .map((row) => ({
      id: row.id,
      at: row.at,
      moderator: row.moderator,
      action: row.action,
      details: JSON.parse(row.details) as Record<string, unknown>,
    }));
}

/** An import, as the audit trail records it. */
export function auditImport(
  db: Db,
  moderator: string,
  result: { file: string; status: string; entries: number; newEntries: number; deliveryId: number | null },
): number {
  return db.transaction(() => appendAudit(db, 'import', moderator, result))();
}
