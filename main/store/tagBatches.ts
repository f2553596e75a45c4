// Undoing a "tag all": a batch's links carry its id (tag_links.batch_id, migration 0100), and only
// the links it made do (a link that was there before is left as it was), so undoing removes
// exactly those, in short transactions like the ones that wrote them, audited as 'untagged'.
import { appendAudit } from './audit.js';
import type { Db } from './db.js';
import { assertMayLiftHold, ReviewError } from './tags.js';

export interface BatchToUndo {
  id: number;
  tag: string;
  /** Its links still in place. */
  links: number;
}

/** Starts undoing batch `id`: refused while it is still tagging, or when undone already; audited as it starts. */
export function startUntagBatch(db: Db, id: number, moderator: string, mayLiftHolds = true): BatchToUndo {
  return db
    .transaction((): BatchToUndo => {
      const batch = db
        .prepare<[number], { tag: string; hold: number; finished_at: number | null; undone_at: number | null }>(
          'SELECT t.name AS tag, t.hold, b.finished_at, b.undone_at FROM tag_batches b JOIN tags t ON t.id = b.tag_id WHERE b.id = ?',
        )
        .get(id);
      assertUndoable(id, batch);
      assertMayLiftHold({ name: batch.tag, hold: batch.hold }, mayLiftHolds);
      const links = db.prepare<[number], number>('SELECT count(*) FROM tag_links WHERE batch_id = ?').pluck().get(id)!;
      appendAudit(db, 'untagged', moderator, { tag: batch.tag, target: 'entry', batch: id, undo: true, links });
      return { id, tag: batch.tag, links };
    })
    .immediate();
}

/** Refuses to undo batch `id` (as it is now, if there is one) when there is none, it was undone, or it is still tagging. */
export function assertUndoable<B extends { finished_at: number | null; undone_at: number | null }>(
  id: number,
  batch: B | undefined,
): asserts batch is B {
  if (!batch) throw new ReviewError(`there is no tagging ${id} to undo`);
  if (batch.undone_at !== null) throw new ReviewError(`tagging ${id} was undone already`);
  if (batch.finished_at === null) throw new ReviewError(`tagging ${id} is still under way: undo it once it has finished`);
}

/** Removes up to `size` of the batch's links; the last part marks it undone. Answers how many went. */
export function untagBatchPart(db: Db, id: number, size: number): { removed: number; done: boolean } {
  return db
    .transaction(() => {
      const removed = db
        .prepare(
          `DELETE FROM tag_links WHERE (target, target_id, tag_id) IN
             (SELECT target, target_id, tag_id FROM tag_links WHERE batch_id = ? LIMIT ?)`,
        )
        .run(id, Math.trunc(size)).changes;
      const done = removed < size;
      if (done) db.prepare('UPDATE tag_batches SET undone_at = ? WHERE id = ?').run(Date.now(), id);
      return { removed, done };
    })
    .immediate();
}
