// Both stores behind the seam for one test file: a SQLite file in a temp folder and a database on
// a throwaway PostgreSQL cluster, closed after the file. And deliveries as the receiver makes them
// (function, domain, raw bytes, their SHA-256, the parse).
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { after } from 'node:test';
import type { DeliveryMeta } from '../../main/store/deliveries.js';
import type { StoreEngine } from '../../main/store/engine.js';
import { openPgEngine, type PgEngine } from '../../main/store/pg/engine.js';
import { openSqliteEngine } from '../../main/store/sqliteEngine.js';
import { parseDelivery } from '../../main/parser/deliveryPayload.js';
import type { ParsedPayload } from '../../shared/payload.js';
import { startPostgres, type ClusterOptions, type PgCluster } from './postgres.js';
import { tempDir } from './tmp.js';

export interface Engines {
  sqlite: StoreEngine;
  pg: PgEngine;
  cluster: PgCluster;
  sqlitePath: string;
}

export async function openEngines(options: ClusterOptions = {}): Promise<Engines> {
  // The cluster is stopped by this file's own hook, after the engines have closed their sessions.
  const cluster = await startPostgres({ ...options, manualStop: true });
  const sqlitePath = join(tempDir(), 'omv.sqlite');
  const sqlite = openSqliteEngine(sqlitePath);
  const pg = await openPgEngine(cluster.url);
  after(async () => {
    try {
      await pg.close();
      await sqlite.close();
    } finally {
      cluster.stop();
    }
  });
  return { sqlite, pg, cluster, sqlitePath };
}

export interface TestDelivery {
  meta: DeliveryMeta;
  parsed: ParsedPayload;
}

/** A callback's delivery of `xml` (or raw bytes), as the receiver hands it to the store. */
export function delivery(
  payload: string | Uint8Array,
  { fn = 'sendOfflineMessages', domain = 'd1', receivedAt = 1_700_000_000_000, memberId = null as string | null } = {},
): TestDelivery {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return {
    meta: {
      source: 'callback',
      function: fn,
      domainId: domain,
      type: null,
      callId: null,
      receivedAt,
      payload: bytes,
      payloadSize: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      memberId,
      targetMemberId: null,
    },
    parsed: parseDelivery(fn, bytes),
  };
}
