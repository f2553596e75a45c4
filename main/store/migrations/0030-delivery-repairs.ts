// A delivery records what had to be repaired to read it (bytes that were not UTF-8, magic quotes,
// control characters, a field cut at its limit), a line each; its raw bytes stay as they came.
import type { Database } from 'better-sqlite3';

export const version = 30;

export function up(db: Database): void {
  db.exec('ALTER TABLE deliveries ADD COLUMN repairs TEXT');
}
