// What a purge needs to forget the raw payloads too: each delivery's span of entry times (a purge
// reads again only the payloads that can hold a message it removes), and a note of what a purge
// did to a payload (messages cut out, or the payload dropped, with the original's SHA-256 kept in
// sha256). Deliveries stored before have no span: a purge reads them once and records it.
import type { Database } from 'better-sqlite3';

export const version = 90;

export function up(db: Database): void {
  db.exec(`
    ALTER TABLE deliveries ADD COLUMN first_ts INTEGER;
    ALTER TABLE deliveries ADD COLUMN last_ts INTEGER;
    ALTER TABLE deliveries ADD COLUMN payload_note TEXT;
  `);
}
