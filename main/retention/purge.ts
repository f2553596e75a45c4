// omv purge, whole: the store removes the entries (in short batches, so a receiver beside it keeps
// answering), then the raw payloads that held them are rewritten without them (or dropped when
// nothing of them is left), the full-text index is merged into one segment that leaves their terms
// out, quarantined payloads older than the date are dropped, the trail
// records what was removed (never the text), and the WAL is truncated. What is left has no trace
// of what was purged: not in the entries, the index, the payloads, the notes, the trail's text or
// the file's free pages.
import { setTimeout as sleep } from 'node:timers/promises';
import { cutPurgedEntries } from '../parser/entryCut.js';
import type { Db } from '../store/db.js';
import {
  dropQuarantinedPayloads,
  entryStillStored,
  payloadsReaching,
  planPurge,
  purgeBatch,
  recordPayloadSpan,
  recordPurge,
  replacePayload,
  rewriteIndexStep,
  indexPages,
  truncateWal,
  type PurgeCounts,
  type PurgeRecord,
} from '../store/purge.js';

export interface PurgeOptions {
  moderator: string;
  dryRun?: boolean;
  /** Entries per transaction. */
  batchSize?: number;
  /** Told after each batch: how many removed so far, of how many planned. */
  onProgress?: (removed: number, planned: number) => void;
}

export interface PurgeResult extends PurgeRecord {
  auditId: number | null;
  /** False when readers kept the WAL from being truncated: it is cut at the next checkpoint. */
  walTruncated: boolean;
}

/**
 * Between batches, the write lock is left free this long: longer than SQLite's busy handler sleeps
 * between its tries in its first ~150 ms of waiting (at most 25 ms), so a receiver that began to
 * wait during a batch of BATCH_TARGET_MS gets the lock instead of meeting the next batch each time
 * it looks (with back-to-back batches a receiver was starved past its 2 s timeout: 503s).
 */
const BREATHER_MS = 30;
/** How long one batch's transaction should hold the lock: the batch size follows from it. */
const BATCH_TARGET_MS = 50;

export async function purgeBefore(db: Db, before: number, options: PurgeOptions): Promise<PurgeResult> {
  const planned: PurgeCounts = planPurge(db, before);
  const empty = { payloadsRewritten: 0, payloadsDropped: 0, quarantineDropped: 0, notes: 0, redactedAuditRows: 0 };
  if (options.dryRun) return { ...planned, ...empty, before, auditId: null, walTruncated: false };

  // Pages freed from here on are overwritten, not left for `strings` to find.
  const secureDelete = db.pragma('secure_delete', { simple: true }) as number;
  db.pragma('secure_delete = ON');
  try {
    const record: PurgeRecord = { ...planned, ...empty, removed: 0, before };
    let size = options.batchSize ?? 500;
    for (let done = planned.removed === 0; !done;) {
      const started = performance.now();
      const batch = purgeBatch(db, size, before);
      // Sized by how long it held the lock, so a slow machine holds it no longer than a fast one.
      const took = performance.now() - started;
      if (options.batchSize === undefined) size = Math.max(50, Math.min(20_000, Math.round((size * BATCH_TARGET_MS) / Math.max(1, took))));
      record.removed += batch.removed;
      record.held += batch.keptSincePlan;
      record.notes += batch.notes;
      record.redactedAuditRows += batch.redactedAuditRows;
      done = batch.done;
      options.onProgress?.(record.removed, planned.removed);
      if (!done) await sleep(BREATHER_MS);
    }
    if (record.removed > 0) await rewriteIndex(db);
    Object.assign(record, await forgetPayloads(db, before));
    record.quarantineDropped = db
      .transaction(() =>
        dropQuarantinedPayloads(db, before, `payload dropped by a purge of what arrived before ${new Date(before).toISOString()}`),
      )
      .immediate();
    if (record.removed === 0 && record.quarantineDropped === 0) return { ...record, auditId: null, walTruncated: false };
    const auditId = recordPurge(db, record, options.moderator);
    return { ...record, auditId, walTruncated: await truncateWal(db) };
  } finally {
    db.pragma(`secure_delete = ${secureDelete}`);
  }
}

/**
 * Merges the full-text index into one segment, step by step, each step sized to hold the lock about
 * BATCH_TARGET_MS: deleting from FTS5 leaves the terms in the older segments; the merge leaves them out.
 * (FTS5's secure-delete removes them at each delete instead, but costs ~15× per entry, more the
 * larger the index: at 500,000 entries a purge ran at a few hundred entries a second.)
 */
async function rewriteIndex(db: Db): Promise<void> {
  // Callbacks arriving meanwhile add small segments, so the merge always has a little more to do:
  // once it has written as many pages as the index held when it began (and a margin), everything
  // that was there, the purged entries' terms among it, has been merged away.
  const budget = Math.ceil(indexPages(db) * 1.5) + 64;
  let pages = 64;
  for (let written = 0, more = true; more && written < budget;) {
    const started = performance.now();
    more = rewriteIndexStep(db, pages);
    written += pages;
    const took = performance.now() - started;
    pages = Math.max(16, Math.min(4096, Math.round((pages * BATCH_TARGET_MS) / Math.max(1, took))));
    if (more) await sleep(BREATHER_MS);
  }
}

/** Rewrites the raw payloads that held purged entries: without them, or drops them when nothing is left. */
async function forgetPayloads(db: Db, before: number): Promise<Pick<PurgeRecord, 'payloadsRewritten' | 'payloadsDropped'>> {
  let payloadsRewritten = 0;
  let payloadsDropped = 0;
  const when = new Date().toISOString();
  let slice = performance.now();
  for (const delivery of payloadsReaching(db, before)) {
    const cut = cutPurgedEntries(
      delivery.payload!,
      (entry, key) => entry.timestamp >= before || entryStillStored(db, delivery.domain_id, entry.room, entry.timestamp, key),
    );
    db.transaction(() => {
      if (cut.kind === 'unchanged') return recordPayloadSpan(db, delivery.id, cut.span);
      if (cut.kind === 'rewritten') {
        payloadsRewritten += 1;
        return replacePayload(
          db,
          delivery.id,
          cut.payload,
          `rewritten by a purge on ${when}: ${cut.removed} purged ${cut.removed === 1 ? 'entry' : 'entries'} cut out (the rest as read, in UTF-8); sha256 is the original's`,
          cut.span,
        );
      }
      payloadsDropped += 1;
      replacePayload(db, delivery.id, null, `dropped by a purge on ${when}: ${cut.reason}; sha256 is the original's`, null);
    }).immediate();
    if (performance.now() - slice > BATCH_TARGET_MS) {
      await sleep(BREATHER_MS);
      slice = performance.now();
    }
  }
  return { payloadsRewritten, payloadsDropped };
}
