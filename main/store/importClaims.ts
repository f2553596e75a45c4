// Which import is writing a delivery's file. An import cut short leaves its delivery 'importing',
// and importing the file again completes it; but two imports of the same file at once (two
// processes, or two of the desk's in one) would write one delivery's entries together, each
// counting its share as new, and a bulk load beside an import entry by entry would index for
// full-text search entries the other had indexed already (an index SQLite then calls malformed).
// So the delivery is claimed, in the transaction that finds or makes it, and touched with every
// batch it writes. A claim is taken over once its import has ended: this process's once it is not
// running here, another process's once that process has gone, or once it has not been touched for
// STALE_MS (another machine, a process id used again, a host renamed: not known to have gone).
// The claim also tells whether a bulk load another machine began is still being written (bulkLoad.ts).
import { prepareCached, type Db } from './db.js';
import { getSetting, setSetting } from './settings.js';
import { stillWorking, thisProcess, type TouchedRecord } from './liveProcess.js';

export { STALE_MS } from './liveProcess.js';

export class ImportInProgressError extends Error {}

/** An import's claim on a delivery: `at`, when its import last wrote a batch. */
type Claim = TouchedRecord;

/** The deliveries this process is importing now. */
const importingHere = new Set<number>();

const keyOf = (deliveryId: number) => `import:${deliveryId}`;

function readClaim(db: Db, deliveryId: number): Claim | null {
  const held = getSetting(db, keyOf(deliveryId));
  return held === null ? null : (JSON.parse(held) as Claim);
}

function holding(claim: Claim, deliveryId: number, now: number): boolean {
  const here = thisProcess();
  if (claim.pid === here.pid && claim.host === here.host) return importingHere.has(deliveryId);
  return stillWorking(claim, now);
}

/** Whether an import (of this process or another) is writing the delivery now: its claim is held. */
export function importAtWork(db: Db, deliveryId: number, now = Date.now()): boolean {
  const claim = readClaim(db, deliveryId);
  return claim !== null && holding(claim, deliveryId, now);
}

/**
 * Claims the delivery for this process (call in the write transaction that found or made it);
 * refuses one another import holds. `endImport` ends the claim here, whatever became of the import.
 */
export function claimImport(db: Db, deliveryId: number, now = Date.now()): void {
  const claim = readClaim(db, deliveryId);
  if (claim !== null && holding(claim, deliveryId, now)) {
    const who = importingHere.has(deliveryId) ? 'this omv' : `another omv (process ${claim.pid} on ${claim.host})`;
    throw new ImportInProgressError(`${who} is importing this file into this database now: import it again once that ends`);
  }
  touchImport(db, deliveryId, now);
  importingHere.add(deliveryId);
}

/** The import wrote a batch: its claim is fresh (call in the batch's transaction). */
export function touchImport(db: Db, deliveryId: number, now = Date.now()): void {
  setSetting(db, keyOf(deliveryId), JSON.stringify({ ...thisProcess(), at: now } satisfies Claim));
}

/** The delivery's import ended (stored, or quarantined): no one holds it. */
export function releaseImport(db: Db, deliveryId: number): void {
  prepareCached(db, 'DELETE FROM settings WHERE key = ?').run(keyOf(deliveryId));
}

/** This process no longer runs the import (ended, or given up on a failure: another may take it over). */
export function endImport(deliveryId: number): void {
  importingHere.delete(deliveryId);
}
