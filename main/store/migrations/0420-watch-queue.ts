// Forward watch matching's queue: PostgreSQL's step (pg/migrations/0420-watch-queue.ts). Nothing
// here: SQLite's one writer commits entries in id order, so "matched up to the newest id"
// (settings' watch_checked_to) stays a true bound.
import type { Database } from 'better-sqlite3';

export const version = 420;

export function up(_db: Database): void {}
