// Forward watch matching's bound, made true on both engines. PostgreSQL's step
// (pg/migrations/0420-watch-queue.ts) queues what each writer commits. SQLite's one writer commits
// entries in id order, so "matched up to an id" stays its bound, but a purge that took the newest
// entries let their ids be handed out again while the marks kept by entry id stayed above them
// (purge.ts lowers them now): marks above the newest entry come down to it, so what arrives next
// is new to the watchlist and to saved searches.
import type { Database } from 'better-sqlite3';

export const version = 420;

export function up(db: Database): void {
  const newest = db.prepare<[], number>('SELECT coalesce(max(id), 0) FROM entries').pluck().get()!;
  db.prepare("UPDATE settings SET value = ? WHERE key = 'watch_checked_to' AND CAST(value AS INTEGER) > ?").run(String(newest), newest);
  db.prepare('UPDATE watch_terms SET after_entry_id = ? WHERE after_entry_id > ?').run(newest, newest);
  db.prepare('UPDATE saved_searches SET seen_entry_id = ? WHERE seen_entry_id > ?').run(newest, newest);
}
