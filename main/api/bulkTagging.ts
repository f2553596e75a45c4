// "Tag all N hits", and undoing it: the search runs where searches run (a query host, under the
// time limit), never on the writer; the tags are then written (or removed) by id in short
// transactions with the event loop free between them, so callbacks arriving meanwhile are
// committed between the parts, not after the lot. Each part tells the desk how far it is.
import type { EntryFilter } from '../../shared/api.js';
import type { Db } from '../store/db.js';
import { startUntagBatch, untagBatchPart } from '../store/tagBatches.js';
import { endTagBatchShort, startTagBatch, tagBatchPart, type TagBatch } from '../store/tags.js';
import type { ReadRunner } from './readCalls.js';

/** Links written (or removed) per transaction, on either engine: a few milliseconds of the writer's time each. */
export const PART = 2000;

const breathe = () => new Promise((resolve) => setImmediate(resolve));

export async function tagAllMatching(
  db: Db,
  reads: ReadRunner,
  tag: string,
  filter: EntryFilter,
  moderator: string,
  onProgress: (batch: TagBatch, done: boolean) => void = () => {},
): Promise<TagBatch> {
  const ids = await reads('matchingIds', { filter });
  const batch = startTagBatch(db, tag, filter, ids.length, moderator);
  try {
    for (let start = 0; start < ids.length || start === 0; start += PART) {
      const last = start + PART >= ids.length;
      tagBatchPart(db, batch, ids.slice(start, start + PART), last);
      onProgress(batch, last);
      if (!last) await breathe();
    }
  } catch (error) {
    await endedShort(async () => endTagBatchShort(db, batch), batch, onProgress);
    throw error;
  }
  return batch;
}

/** Removes exactly the links a "tag all" made, in parts; answers how many. */
export async function undoTagAll(
  db: Db,
  batchId: number,
  moderator: string,
  onProgress: (progress: { tag: string; removed: number; links: number; done: boolean }) => void = () => {},
  mayLiftHolds = true,
): Promise<{ tag: string; removed: number }> {
  const batch = startUntagBatch(db, batchId, moderator, mayLiftHolds);
  let removed = 0;
  for (;;) {
    const part = untagBatchPart(db, batchId, PART);
    removed += part.removed;
    onProgress({ tag: batch.tag, removed, links: batch.links, done: part.done });
    if (part.done) return { tag: batch.tag, removed };
    await breathe();
  }
}

/** Waits before each new try of ending a batch short: the store that failed a part may be back in a moment. */
const END_RETRIES_MS = [1000, 2000, 4000];

/**
 * After a part failed: the batch ended with what it tagged (`end`), and the desks told it finished
 * there. `end` is tried again a few times (the store that failed the part, a file locked by another
 * process or a lost PostgreSQL session, is often back in a moment); should it keep failing, the
 * batch stays "under way" and the part's error is what the caller hears.
 */
export async function endedShort(
  end: () => Promise<void>,
  batch: TagBatch,
  onProgress: (batch: TagBatch, done: boolean) => void,
): Promise<void> {
  for (const wait of [0, ...END_RETRIES_MS]) {
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      await end();
    } catch {
      continue; // the part's error is thrown by the caller
    }
    onProgress(batch, true);
    return;
  }
}
