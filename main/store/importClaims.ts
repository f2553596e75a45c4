// Which process is importing a delivery's file. An import cut short leaves its delivery
// 'importing', and importing the file again completes it; but two processes importing the same
// file at once would write one delivery's entries together (each counting its share as new, and a
// bulk load indexing for full-text search entries the other had indexed already: an index SQLite
// then calls malformed). So the delivery is claimed, in the transaction that finds or makes it,
// and another process's claim is taken over only once that process has gone.
import { getSetting, setSetting } from './settings.js';
import { prepareCached, type Db } from './db.js';
import { processRunning, thisProcess, type RecordedProcess } from './liveProcess.js';

export class ImportInProgressError extends Error {}

const keyOf = (deliveryId: number) => `import:${deliveryId}`;

/** Claims the delivery for this process (call in the transaction that found or made it); refuses one another running process holds. */
export function claimImport(db: Db, deliveryId: number): void {
  const held = getSetting(db, keyOf(deliveryId));
  const holder = held === null ? null : (JSON.parse(held) as RecordedProcess);
  if (holder !== null && (holder.pid !== process.pid || holder.host !== thisProcess().host) && processRunning(holder))
    throw new ImportInProgressError(
      `another omv (process ${holder.pid} on ${holder.host}) is importing this file into this database now: import it again once that ends`,
    );
  setSetting(db, keyOf(deliveryId), JSON.stringify(thisProcess()));
}

/** The delivery's import ended (stored, or quarantined): no one holds it. */
export function releaseImport(db: Db, deliveryId: number): void {
  prepareCached(db, 'DELETE FROM settings WHERE key = ?').run(keyOf(deliveryId));
}
