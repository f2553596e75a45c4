// The PostgreSQL store's migrations, applied in order, each in its own transaction; the version
// reached is kept in omv_schema. Their numbers are SQLite's (main/store/migrations/): the first
// builds the schema SQLite's 0010–0410 leave, and every later change is one number with a step
// for each engine, so both stores are always at the same version (test/pgStore.test.ts
// fails when the lists end at different numbers). A database from a newer omv is
// refused, not touched. Two omv processes starting together migrate one after the other (an
// advisory lock), the second finding nothing left to do.
import type pg from 'pg';
import type { WritePool } from '../connection.js';
import * as schema from './0410-schema.js';
import * as watchQueue from './0420-watch-queue.js';
import * as connectionOrder from './0430-connection-order.js';
import * as phrasePairs from './0440-phrase-pairs.js';

export interface PgMigration {
  version: number;
  up(client: pg.ClientBase): Promise<void>;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [schema, watchQueue, connectionOrder, phrasePairs];

export const PG_LATEST_VERSION = PG_MIGRATIONS.at(-1)!.version;

/** Any number will do, as long as it is omv's own: the lock that serialises migrating processes. */
const MIGRATION_LOCK = 0x6f6d7601;

/** The schema version of the database (0: a new one). */
export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const table = await client.query<{ exists: boolean }>("SELECT to_regclass('omv_schema') IS NOT NULL AS exists");
  if (!table.rows[0]!.exists) return 0;
  const row = await client.query<{ version: number }>('SELECT version FROM omv_schema');
  return row.rows[0]?.version ?? 0;
}

/** Brings the schema up to `target` (default: the latest). */
export async function migratePg({ pool }: WritePool, target = PG_LATEST_VERSION): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const current = await schemaVersion(client);
    if (current > PG_LATEST_VERSION) {
      throw new Error(`this database has schema version ${current}, newer than this omv understands (${PG_LATEST_VERSION}): upgrade omv`);
    }
    for (const migration of PG_MIGRATIONS) {
      if (migration.version <= current || migration.version > target) continue;
      await client.query('BEGIN');
      try {
        await client.query('CREATE TABLE IF NOT EXISTS omv_schema (one integer PRIMARY KEY CHECK (one = 1), version integer NOT NULL)');
        await migration.up(client);
        await client.query(
          'INSERT INTO omv_schema (one, version) VALUES (1, $1) ON CONFLICT (one) DO UPDATE SET version = excluded.version',
          [migration.version],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
}
