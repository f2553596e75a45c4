// Another attempt at quarantined payloads (after a parser fix): those that now parse are written
// into the store and leave quarantine; the others stay, with the latest reason. The attempt is
// made once for both engines (retryFromQuarantine); each answers what it asks of its store
// (QuarantineStore: SQLite's below, PostgreSQL's in pgQuarantineRetry.ts).
import { existsSync } from 'node:fs';
import type { ParsedPayload } from '../../shared/payload.js';
import { importFile, type ImportResult } from './fileImport.js';
import { parseDelivery, parsePayload } from '../parser/deliveryPayload.js';
import { recordAction } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { getDelivery, listQuarantined, quarantineDelivery, releaseFromQuarantine, type DeliveryRow } from '../store/deliveries.js';

export type RetryResult =
  { id: number; status: 'stored'; entries: number; newEntries: number } | { id: number; status: 'quarantined'; reason: string };

/** What a retry asks of a store. */
export interface QuarantineStore {
  /** The deliveries in quarantine, oldest first. */
  quarantined(): Promise<number[]>;
  delivery(id: number): Promise<DeliveryRow | undefined>;
  /** Imports a large file again (its bytes were never copied into the store): its quarantined delivery is taken up. */
  importFile(path: string, domainId: string): Promise<ImportResult>;
  /** Keeps the delivery in quarantine with the latest reason. */
  quarantine(id: number, reason: string): Promise<void>;
  /** Writes what the delivery's payload now parses to, and releases it from quarantine. */
  release(row: DeliveryRow, parsed: Extract<ParsedPayload, { ok: true }>): Promise<{ entries: number; newEntries: number }>;
  /** The trail's row of the retry. */
  record(moderator: string, details: Record<string, unknown>): Promise<unknown>;
}

async function retryOne(store: QuarantineStore, row: DeliveryRow): Promise<RetryResult> {
  if (row.payload === null && row.payload_note !== null) return { id: row.id, status: 'quarantined', reason: row.payload_note };
  if (row.payload === null) {
    // A large imported file: its bytes were never copied into the database.
    if (!row.file_path || !existsSync(row.file_path))
      return { id: row.id, status: 'quarantined', reason: `the file ${row.file_path} is gone` };
    const result = await store.importFile(row.file_path, row.domain_id);
    if (result.status === 'failed') return { id: row.id, status: 'quarantined', reason: result.error ?? 'failed' };
    return { id: row.id, status: 'stored', entries: result.entries, newEntries: result.newEntries };
  }
  const parsed = row.source === 'import' ? parsePayload(row.payload) : parseDelivery(row.function, row.payload);
  if (!parsed.ok) {
    await store.quarantine(row.id, parsed.reason);
    return { id: row.id, status: 'quarantined', reason: parsed.reason };
  }
  const counts = await store.release(row, parsed);
  return { id: row.id, status: 'stored', entries: counts.entries, newEntries: counts.newEntries };
}

/** Retries one quarantined delivery, or all of them; the trail records who retried what, and what came of it. */
export async function retryFromQuarantine(store: QuarantineStore, id: number | undefined, moderator: string): Promise<RetryResult[]> {
  const all = id === undefined;
  const ids = all ? await store.quarantined() : [id];
  const results: RetryResult[] = [];
  try {
    for (const each of ids) {
      const row = await store.delivery(each);
      try {
        if (!row || row.status !== 'quarantined') throw notInQuarantine(each);
        results.push(await retryOne(store, row));
      } catch (error) {
        // Retrying them all, one another desk released meanwhile is no longer ours to retry.
        if (all && error instanceof NotInQuarantineError) continue;
        throw error;
      }
    }
  } finally {
    // What was done is in the trail even when a later one failed.
    if (results.length > 0)
      await store.record(moderator, {
        stored: results.filter((r) => r.status === 'stored').map((r) => r.id),
        quarantined: results.filter((r) => r.status === 'quarantined').map((r) => r.id),
      });
  }
  return results;
}

export class NotInQuarantineError extends Error {}

/** Why a delivery cannot be retried (both engines say it alike). */
export const notInQuarantine = (id: number) => new NotInQuarantineError(`delivery ${id} is not in quarantine`);

/** Retries on a SQLite file (the writer's connection). */
export function retryQuarantined(db: Db, id: number | undefined, moderator: string): Promise<RetryResult[]> {
  return retryFromQuarantine(
    {
      quarantined: async () => listQuarantined(db).map((row) => row.id),
      delivery: async (each) => getDelivery(db, each),
      importFile: (path, domainId) => importFile(db, path, { domainId }),
      quarantine: async (each, reason) => quarantineDelivery(db, each, reason),
      release: async (row, parsed) => releaseFromQuarantine(db, row, parsed),
      record: async (by, details) => recordAction(db, 'quarantine retry', by, details),
    },
    id,
    moderator,
  );
}
