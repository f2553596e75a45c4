// Audit rows chain the SHA-256 of their details (see store/audit.ts): a purge can then redact a
// row's text — a note on a message it removed — and the chain still verifies with the fact kept.
// Rows written before keep their first form (the details themselves in the hash).
import type { Database } from 'better-sqlite3';

export const version = 80;

export function up(db: Database): void {
  db.exec(`
    ALTER TABLE audit_log ADD COLUMN details_sha256 TEXT;
    ALTER TABLE audit_log ADD COLUMN redacted_at INTEGER;
  `);
}
