// "Tag all N hits": the search runs where searches run (a query host, under the time limit), never
// on the writer; the tags are then written by id in short transactions with the event loop free
// between them, so callbacks arriving meanwhile are committed between the parts, not after the lot.
import type { EntryFilter } from '../../shared/api.js';
import type { Db } from '../store/db.js';
import { startTagBatch, tagBatchPart, type TagBatch } from '../store/tags.js';
import type { ReadRunner } from './readCalls.js';

/** Links written per transaction: a few milliseconds of the writer's time each. */
const PART = 2000;

export async function tagAllMatching(
  db: Db,
  reads: ReadRunner,
  tag: string,
  filter: EntryFilter,
  moderator: string,
  onProgress: (batch: TagBatch) => void = () => {},
): Promise<TagBatch> {
  const ids = await reads('matchingIds', { filter });
  const batch = startTagBatch(db, tag, filter, ids.length, moderator);
  for (let start = 0; start < ids.length || start === 0; start += PART) {
    tagBatchPart(db, batch, ids.slice(start, start + PART), start + PART >= ids.length);
    onProgress(batch);
    if (start + PART < ids.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return batch;
}
