// A messenger's connection list in the order it was sent: PostgreSQL's step
// (pg/migrations/0430-connection-order.ts). Nothing here: SQLite reads the list in rowid order.
import type { Database } from 'better-sqlite3';

export const version = 430;

export function up(_db: Database): void {}
