// Numbered migrations, applied in order; the database's user_version is the last one applied.
import type { Database } from 'better-sqlite3';
import * as initial from './0010-initial.js';
import * as writeFaster from './0020-write-faster.js';
import * as deliveryRepairs from './0030-delivery-repairs.js';
import * as review from './0040-review.js';
import * as reviewData from './0050-review-data.js';
import * as instantMessenger from './0060-instant-messenger.js';
import * as indexEveryEntry from './0070-index-every-entry.js';
import * as auditDigest from './0080-audit-digest.js';
import * as purgeProof from './0090-purge-proof.js';
import * as tagBatches from './0100-tag-batches.js';
import * as undoAndPresence from './0300-undo-and-presence.js';
import * as accounts from './0400-accounts.js';
import * as claims from './0410-claims.js';
import * as watchQueue from './0420-watch-queue.js';
import * as connectionOrder from './0430-connection-order.js';
import * as phrasePairs from './0440-phrase-pairs.js';

export interface Migration {
  version: number;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  initial,
  writeFaster,
  deliveryRepairs,
  review,
  reviewData,
  instantMessenger,
  indexEveryEntry,
  auditDigest,
  purgeProof,
  tagBatches,
  undoAndPresence,
  accounts,
  claims,
  watchQueue,
  connectionOrder,
  phrasePairs,
];

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

/**
 * Brings the schema up to `target` (default: the latest), each step in its own write transaction,
 * skipped there if another omv opening the same database at the same moment applied it meanwhile
 * (two imports into a new file: the second failed on "table deliveries already exists").
 */
export function migrate(db: Database, target = LATEST_VERSION): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const current = version();
  if (current > LATEST_VERSION) {
    throw new Error(`this database has schema version ${current}, newer than this omv understands (${LATEST_VERSION}): upgrade omv`);
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current || migration.version > target) continue;
    db.transaction(() => {
      if (version() >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}
