// Imports into PostgreSQL at once in one process (several moderators' desk imports on a team
// server): each holds its claim on a session of its own, so they do not fill the write pool with
// claims that each wait for another session, and a delivery arriving meanwhile is stored.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importFileToPg } from '../main/intake/pgFileImport.js';
import { openPgEngine } from '../main/store/pg/engine.js';
import { delivery } from './support/engines.js';
import { messagesXml } from './support/payloads.js';
import { postgresSkipReason, startPostgres } from './support/postgres.js';
import { tempDir } from './support/tmp.js';

const skip = postgresSkipReason();

test(
  'six imports at once and a delivery beside them all finish: claims do not take the write pool’s sessions',
  { skip, timeout: 120_000 },
  async () => {
    const cluster = await startPostgres();
    const engine = await openPgEngine(cluster.url);
    try {
      const dir = tempDir();
      const files = Array.from({ length: 6 }, (_, n) => {
        const path = join(dir, `desk-${n}.xml`);
        const lines = Array.from({ length: 50 }, (_, i) => ({
          ts: Date.UTC(2024, 5, 1) + n * 1000 + i,
          user: `u${n}`,
          content: `file ${n} line ${i}`,
        }));
        writeFileSync(path, messagesXml({ [`room-${n}`]: lines }));
        return path;
      });
      const xml = messagesXml({ beside: [{ ts: Date.UTC(2024, 5, 2), user: 'v', content: 'a callback meanwhile' }] });
      const [received, ...imported] = await Promise.all([
        engine.writes.receive(delivery(xml).meta, delivery(xml).parsed),
        ...files.map((path) => importFileToPg(engine.writes.writer.pool, path)),
      ]);
      assert.equal(received.status, 'stored');
      assert.deepEqual(
        imported.map((result) => [result.status, result.newEntries]),
        files.map(() => ['new', 50]),
      );
      const claims = await engine.writes.writer.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'omv import claim'",
      );
      assert.equal(claims.rows[0]!.n, 0, 'every claim’s session ended with its import');
    } finally {
      await engine.close();
    }
  },
);
