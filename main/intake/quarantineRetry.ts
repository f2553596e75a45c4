// Another attempt at quarantined payloads (after a parser fix): those that now parse are written
// into the store and leave quarantine; the others stay, with the latest reason.
import { existsSync } from 'node:fs';
import { importFile } from './fileImport.js';
import { parseDelivery, parsePayload } from '../parser/deliveryPayload.js';
import { recordAction } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { getDelivery, listQuarantined, quarantineDelivery, releaseFromQuarantine, type DeliveryRow } from '../store/deliveries.js';

export type RetryResult =
  { id: number; status: 'stored'; entries: number; newEntries: number } | { id: number; status: 'quarantined'; reason: string };

async function retryOne(db: Db, row: DeliveryRow): Promise<RetryResult> {
  if (row.payload === null && row.payload_note !== null) return { id: row.id, status: 'quarantined', reason: row.payload_note };
  if (row.payload === null) {
    // A large imported file: its bytes were never copied into the database.
    if (!row.file_path || !existsSync(row.file_path))
      return { id: row.id, status: 'quarantined', reason: `the file ${row.file_path} is gone` };
    const result = await importFile(db, row.file_path, { domainId: row.domain_id });
    if (result.status === 'failed') return { id: row.id, status: 'quarantined', reason: result.error ?? 'failed' };
    return { id: row.id, status: 'stored', entries: result.entries, newEntries: result.newEntries };
  }
  const parsed = row.source === 'import' ? parsePayload(row.payload) : parseDelivery(row.function, row.payload);
  if (!parsed.ok) {
    quarantineDelivery(db, row.id, parsed.reason);
    return { id: row.id, status: 'quarantined', reason: parsed.reason };
  }
  const counts = releaseFromQuarantine(db, row, parsed);
  return { id: row.id, status: 'stored', entries: counts.entries, newEntries: counts.newEntries };
}

/** Retries one quarantined delivery, or all of them; the trail records who retried what, and what came of it. */
export async function retryQuarantined(db: Db, id: number | undefined, moderator: string): Promise<RetryResult[]> {
  const ids = id === undefined ? listQuarantined(db).map((row) => row.id) : [id];
  const results: RetryResult[] = [];
  for (const each of ids) {
    const row = getDelivery(db, each);
    if (!row || row.status !== 'quarantined') throw new Error(`delivery ${each} is not in quarantine`);
    results.push(await retryOne(db, row));
  }
  if (results.length > 0)
    recordAction(db, 'quarantine retry', moderator, {
      stored: results.filter((r) => r.status === 'stored').map((r) => r.id),
      quarantined: results.filter((r) => r.status === 'quarantined').map((r) => r.id),
    });
  return results;
}
