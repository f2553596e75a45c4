// The PostgreSQL store behind the seam (../engine.ts): `postgres://…` → a migrated database, a
// writer pool and a read-only pool. PostgreSQL 15 or later (the schema uses SQL-standard function
// bodies, ON CONFLICT on partitioned tables).
import type { StoreEngine } from '../engine.js';
import { openReadPool, openWritePool, type PgPoolOptions, type ReadPool } from './connection.js';
import { migratePg } from './migrations/index.js';
import { monthsAhead, monthsAround } from './partitions.js';
import { PgReads } from './reads.js';
import { PgWrites } from './writes.js';

export interface PgEngine extends StoreEngine {
  readonly kind: 'postgres';
  /** The database's URL, as given: what a process opens a session of its own with (store/pg/notifyChannel.ts). */
  readonly url: string;
  readonly writes: PgWrites;
  readonly reads: PgReads;
  /** The read-only pool the reads run on: the desk's reads beyond the seam's (api/pgReadCalls.ts) query it too. */
  readonly reader: ReadPool;
}

export interface PgEngineOptions extends PgPoolOptions {
  /** Make the months around now (a receiver's deliveries are most likely in them) at the start: a command that only reads makes none. */
  monthsAhead?: boolean;
}

export async function openPgEngine(url: string, options: PgEngineOptions = {}): Promise<PgEngine> {
  const writer = openWritePool(url);
  try {
    const server = await writer.pool.query<{ version: number; encoding: string }>(
      "SELECT current_setting('server_version_num')::int AS version, current_setting('server_encoding') AS encoding",
    );
    const { version, encoding } = server.rows[0]!;
    if (version < 150000) throw new Error(`PostgreSQL 15 or later is needed (this server is ${version})`);
    // Text is cut and compared by code point on both sides (textMatch.ts's lexemes, omv_pairs's left()):
    // a database of another encoding counts bytes, or keeps bytes no encoding checked.
    if (encoding !== 'UTF8')
      throw new Error(
        `this database's encoding is ${encoding}; omv needs a UTF8 database (createdb --encoding UTF8 --template template0 …)`,
      );
    await migratePg(writer);
    if (options.monthsAhead ?? true) await monthsAhead(writer.pool, monthsAround(Date.now()));
  } catch (error) {
    await writer.pool.end();
    throw error;
  }
  const reader = openReadPool(url, options);
  const writes = new PgWrites(writer);
  return {
    kind: 'postgres',
    url,
    reads: new PgReads(reader),
    reader,
    writes,
    async close() {
      await writes.commit.idle();
      await Promise.all([reader.pool.end(), writer.pool.end()]);
    },
  };
}
