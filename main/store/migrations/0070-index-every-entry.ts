// Every entry has a row in the full-text index, joins and leaves (no content) as empty documents.
// FTS5's check of an external-content index reads every row of the content table and expects its
// size record: an entry the index had skipped made `omv check` call a healthy database damaged.
// Indexing every entry (as FTS5's own 'rebuild' does) makes the index and the entries agree.
import type { Database } from 'better-sqlite3';

export const version = 70;

export function up(db: Database): void {
  db.exec(`
    INSERT INTO entries_fts (rowid, content) SELECT id, NULL FROM entries WHERE content IS NULL;
  `);
}
