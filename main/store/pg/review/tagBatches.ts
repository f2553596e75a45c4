// "Tag all N hits" and its undo over PostgreSQL, as api/bulkTagging.ts drives store/tags.ts's and
// tagBatches.ts's steps on SQLite: the ids found by a read (never on the writer), then written (or
// removed) PART at a time, each part its own transaction, the desk told after each.
//
// On SQLite a batch's start and its first part run with nothing between them (no await), so a
// batch of one part is made or undone as one step among the writer's others: a second undo of it
// finds it undone, an undo of one still tagging finds it under way. Here desks change at once, so
// the start and the first part are one transaction, with the batch's row locked.
import type { EntryFilter } from '../../../../shared/api.js';
import { endedShort, PART } from '../../../api/bulkTagging.js';
import type { ReadRunner } from '../../../api/readCalls.js';
import { assertUndoable, type BatchToUndo } from '../../tagBatches.js';
import { assertMayLiftHold } from '../../tags.js';
import type { TagBatch } from '../../tags.js';
import { inWriteTransaction, pgText, type WriteSession } from '../connection.js';
import type { PgEngine } from '../engine.js';
import { appendAuditRow } from '../writes.js';
import { besidePurge, tagIdOf } from './targets.js';

export async function tagAllMatching(
  engine: PgEngine,
  reads: ReadRunner,
  tag: string,
  filter: EntryFilter,
  moderator: string,
  onProgress: (batch: TagBatch, done: boolean) => void = () => {},
): Promise<TagBatch> {
  const ids = await reads('matchingIds', { filter });
  let batch: TagBatch | undefined;
  try {
    for (let start = 0; start < ids.length || start === 0; start += PART) {
      const last = start + PART >= ids.length;
      const part = ids.slice(start, start + PART);
      const written = await inWriteTransaction(
        engine.writes.writer.pool,
        async (session) => {
          const started = batch ?? (await startTagBatch(session, tag, filter, ids.length, moderator));
          return { started, tagged: await tagBatchPart(session, started.id, part, last) };
        },
        { confirmed: true },
      );
      batch = written.started;
      batch.tagged += written.tagged;
      onProgress(batch, last);
    }
  } catch (error) {
    // A part lost (its session, a failover): the batch, if its first part committed, ends with what it tagged.
    const started = batch;
    if (started)
      await endedShort(
        () =>
          inWriteTransaction(
            engine.writes.writer.pool,
            async (session) => {
              await session.query('UPDATE tag_batches SET finished_at = $1 WHERE id = $2 AND finished_at IS NULL', [
                Date.now(),
                started.id,
              ]);
            },
            { confirmed: true },
          ),
        started,
        onProgress,
      );
    throw error;
  }
  return batch!;
}

/** tags.ts's startTagBatch, in the caller's transaction. */
async function startTagBatch(
  session: WriteSession,
  name: string,
  filter: EntryFilter,
  planned: number,
  moderator: string,
): Promise<TagBatch> {
  await besidePurge(session);
  const tag = await tagIdOf(session, name);
  const { rows } = await session.query<{ id: number }>(
    'INSERT INTO tag_batches (tag_id, filter, planned, moderator, started_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [tag, JSON.stringify(filter), planned, pgText(moderator), Date.now()],
  );
  const id = rows[0]!.id;
  await appendAuditRow(session, 'tagged', moderator, { tag: name, target: 'entry', filter, planned, batch: id });
  return { id, tag: name, planned, tagged: 0 };
}

/** tags.ts's tagBatchPart: the part's entries that still exist tagged, by the batch; `last` finishes it. Answers how many were tagged. */
async function tagBatchPart(session: WriteSession, batch: number, ids: readonly number[], last: boolean): Promise<number> {
  await besidePurge(session);
  const row = (
    await session.query<{ tag_id: number; moderator: string }>('SELECT tag_id, moderator FROM tag_batches WHERE id = $1 FOR UPDATE', [
      batch,
    ])
  ).rows[0]!;
  const changed =
    (
      await session.query(
        `INSERT INTO tag_links (target, target_id, tag_id, at, moderator, batch_id)
         SELECT 'entry', e.id, $1, $2, $3, $4 FROM entries e WHERE e.id = ANY($5::bigint[]) ON CONFLICT DO NOTHING`,
        [row.tag_id, Date.now(), row.moderator, batch, ids],
      )
    ).rowCount ?? 0;
  await session.query('UPDATE tag_batches SET tagged = tagged + $1, finished_at = $2 WHERE id = $3', [
    changed,
    last ? Date.now() : null,
    batch,
  ]);
  return changed;
}

/** api/bulkTagging.ts's undoTagAll: removes exactly the links a "tag all" made, in parts; answers how many. */
export async function undoTagAll(
  engine: PgEngine,
  batchId: number,
  moderator: string,
  onProgress: (progress: { tag: string; removed: number; links: number; done: boolean }) => void = () => {},
  mayLiftHolds = true,
): Promise<{ tag: string; removed: number }> {
  let batch: BatchToUndo | undefined;
  let removed = 0;
  for (;;) {
    const part = await inWriteTransaction(
      engine.writes.writer.pool,
      async (session) => {
        const undoing = batch ?? (await startUntagBatch(session, batchId, moderator, mayLiftHolds));
        return { undoing, ...(await untagBatchPart(session, batchId, PART)) };
      },
      { confirmed: true },
    );
    batch = part.undoing;
    removed += part.removed;
    onProgress({ tag: batch.tag, removed, links: batch.links, done: part.done });
    if (part.done) return { tag: batch.tag, removed };
  }
}

/** tagBatches.ts's startUntagBatch, in the caller's transaction, the batch's row locked to its end. */
async function startUntagBatch(session: WriteSession, id: number, moderator: string, mayLiftHolds: boolean): Promise<BatchToUndo> {
  // SQLite finds no batch for an id that is no whole number (NaN binds as NULL); a bigint cannot be asked for one.
  const batch = Number.isSafeInteger(id)
    ? (
        await session.query<{ tag: string; hold: number; finished_at: number | null; undone_at: number | null }>(
          'SELECT t.name AS tag, t.hold, b.finished_at, b.undone_at FROM tag_batches b JOIN tags t ON t.id = b.tag_id WHERE b.id = $1 FOR UPDATE OF b',
          [id],
        )
      ).rows[0]
    : undefined;
  assertUndoable(id, batch);
  assertMayLiftHold({ name: batch.tag, hold: batch.hold }, mayLiftHolds);
  const { links } = (await session.query<{ links: number }>('SELECT count(*) AS links FROM tag_links WHERE batch_id = $1', [id])).rows[0]!;
  await appendAuditRow(session, 'untagged', moderator, { tag: batch.tag, target: 'entry', batch: id, undo: true, links });
  return { id, tag: batch.tag, links };
}

/** tagBatches.ts's untagBatchPart: removes up to `size` of the batch's links; the last part marks it undone. */
async function untagBatchPart(session: WriteSession, id: number, size: number): Promise<{ removed: number; done: boolean }> {
  await session.query('SELECT 1 FROM tag_batches WHERE id = $1 FOR UPDATE', [id]);
  const removed =
    (
      await session.query(
        `DELETE FROM tag_links WHERE (target, target_id, tag_id) IN
           (SELECT target, target_id, tag_id FROM tag_links WHERE batch_id = $1 LIMIT $2)`,
        [id, Math.trunc(size)],
      )
    ).rowCount ?? 0;
  const done = removed < size;
  if (done) await session.query('UPDATE tag_batches SET undone_at = $1 WHERE id = $2', [Date.now(), id]);
  return { removed, done };
}
