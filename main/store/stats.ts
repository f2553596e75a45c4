// Counts for `omv stats` and the receiver's status line.
import type { Db } from './db.js';

export interface StoreStats {
  rooms: number;
  users: number;
  entries: number;
  entriesByType: Record<string, number>;
  deliveries: number;
  deliveriesBySource: Record<string, number>;
  duplicates: number;
  quarantined: number;
  abuseReports: number;
  connectionSnapshots: number;
}

function count(db: Db, sql: string): number {
  return (db.prepare(sql).pluck().get() as number | null) ?? 0;
}

function grouped(db: Db, sql: string): Record<string, number> {
  const rows = db.prepare<[], { key: string; n: number }>(sql).all();
  return Object.fromEntries(rows.map((row) => [row.key, row.n]));
}

export function storeStats(db: Db): StoreStats {
  const entriesByType = grouped(db, 'SELECT type AS key, count(*) AS n FROM entries GROUP BY type ORDER BY n DESC, type');
  const deliveriesBySource = grouped(db, 'SELECT source AS key, count(*) AS n FROM deliveries GROUP BY source ORDER BY source');
  return {
    rooms: count(db, 'SELECT count(*) FROM rooms'),
    users: count(db, 'SELECT count(*) FROM users'),
    entries: Object.values(entriesByType).reduce((a, b) => a + b, 0),
    entriesByType,
    deliveries: Object.values(deliveriesBySource).reduce((a, b) => a + b, 0),
    deliveriesBySource,
    duplicates: count(db, 'SELECT sum(duplicates) FROM deliveries'),
    quarantined: count(db, "SELECT count(*) FROM deliveries WHERE status = 'quarantined'"),
    abuseReports: count(db, 'SELECT count(*) FROM abuse_reports'),
    connectionSnapshots: count(db, 'SELECT count(*) FROM connection_snapshots'),
  };
}
