// The index of consecutive token pairs that finds a phrase: PostgreSQL's step
// (pg/migrations/0440-phrase-pairs.ts). Nothing here: FTS5 finds phrases itself.
import type { Database } from 'better-sqlite3';

export const version = 440;

export function up(_db: Database): void {}
