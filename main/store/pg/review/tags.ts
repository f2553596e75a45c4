// The tag and note changes over PostgreSQL (reviewStore.ts's ReviewStore, for pgReviewStore.ts):
// each what store/tags.ts, tagBatches.ts and notes.ts do on SQLite — the same checks and refusals
// (their messages made by the same functions), the same rows, the same answer, the same audit rows
// in the same transaction. SQLite has one writer; here desks change at once, so a change locks what
// it checks before it decides: the tags while one is made (the name taken, how many there are), the
// link a removal names, the note an edit names, the batch an undo names.
import { DEFAULT_CLAIMS_MODE, isClaimsMode, type ReviewTarget, type Tag } from '../../../../shared/review.js';
import type { ReviewStore } from '../../../api/reviewStore.js';
import {
  MAX_TAGS,
  newTagName,
  ONE_TARGET_AS_SEEN,
  ReviewError,
  staleLink,
  tagExists,
  toTag,
  tooManyTags,
  unversionedRemoval,
  assertMayLiftHold,
} from '../../tags.js';
import type { TagLinkSeen, TagRow } from '../../tags.js';
import { inWriteTransaction, pgText, type WriteSession } from '../connection.js';
import { listTags } from '../desk/tags.js';
import type { PgEngine } from '../engine.js';
import { appendAuditRow } from '../writes.js';
import { addNote, editNote } from './notes.js';
import { tagAllMatching, undoTagAll } from './tagBatches.js';
import { assertTargetsExist, besidePurge, namedTargets, tagIdOf } from './targets.js';

type TagChanges = 'createTag' | 'setTagHold' | 'tagTargets' | 'tagAllMatching' | 'undoTagAll' | 'addNote' | 'editNote';

export function tagsChanges(engine: PgEngine): Pick<ReviewStore, TagChanges> {
  const pool = engine.writes.writer.pool;
  const change = <T>(work: (session: WriteSession) => Promise<T>) => inWriteTransaction(pool, work, { confirmed: true });
  return {
    createTag: (tag, moderator) => change((session) => createTag(session, tag, moderator)),
    setTagHold: async (name, hold, moderator) => {
      await change((session) => setTagHold(session, name, hold, moderator));
      return listTags(engine.reader);
    },
    tagTargets: (name, target, ids, moderator, remove = false, linkedAt, mayLiftHolds = true) =>
      change((session) => tagTargets(session, { name, target, ids, moderator, remove, linkedAt, mayLiftHolds })),
    tagAllMatching: (...args) => tagAllMatching(engine, ...args),
    undoTagAll: (...args) => undoTagAll(engine, ...args),
    addNote: (target, targetId, text, moderator) => change((session) => addNote(session, target, targetId, text, moderator)),
    editNote: (edit) => change((session) => editNote(session, edit)),
  };
}

async function createTag(session: WriteSession, tag: { name: string; colour: string; hold?: boolean }, moderator: string): Promise<Tag> {
  const name = newTagName(tag);
  // One tag made at a time (the name and the count checked, then written), as SQLite's one writer makes them;
  // links, holds and reads go on (this mode conflicts only with other changes of the table's rows).
  await session.query('LOCK TABLE tags IN SHARE ROW EXCLUSIVE MODE');
  if ((await session.query('SELECT 1 FROM tags WHERE omv_nocase(name) = omv_nocase($1)', [name])).rowCount) throw tagExists(name);
  const { count } = (await session.query<{ count: number }>('SELECT count(*) FROM tags')).rows[0]!;
  if (count >= MAX_TAGS) throw tooManyTags();
  const made = await session.query<TagRow>(
    'INSERT INTO tags (name, colour, hold, created_at) VALUES ($1, $2, $3, $4) RETURNING id, name, colour, hold, builtin, 0 AS uses',
    [name, tag.colour, tag.hold ? 1 : 0, Date.now()],
  );
  await appendAuditRow(session, 'tag created', moderator, { tag: name, colour: tag.colour, hold: tag.hold === true });
  return toTag(made.rows[0]!);
}

async function setTagHold(session: WriteSession, name: string, hold: boolean, moderator: string): Promise<void> {
  // A hold decides what a purge keeps: it is set wholly before a purge's decision or after it.
  await besidePurge(session);
  const id = await tagIdOf(session, name);
  await session.query('UPDATE tags SET hold = $1 WHERE id = $2', [hold ? 1 : 0, id]);
  await appendAuditRow(session, hold ? 'hold set' : 'hold lifted', moderator, { tag: name });
}

interface TagTargets {
  name: string;
  target: ReviewTarget;
  ids: number[];
  moderator: string;
  remove: boolean;
  linkedAt: number | undefined;
  mayLiftHolds: boolean;
}

/** tags.ts's tagTargets: puts the tag on the targets (those it is on already are left), or takes it off. Answers how many changed. */
async function tagTargets(
  session: WriteSession,
  { name, target, ids, moderator, remove, linkedAt, mayLiftHolds }: TagTargets,
): Promise<number> {
  if (!remove) await besidePurge(session);
  const id = await tagIdOf(session, name);
  if (!remove) await assertTargetsExist(session, target, ids);
  else {
    const hold = (await session.query<{ hold: number }>('SELECT hold FROM tags WHERE id = $1', [id])).rows[0]?.hold ?? 0;
    assertMayLiftHold({ name, hold }, mayLiftHolds);
    await assertLinkSeen(session, { id, name }, target, ids, linkedAt);
  }
  const changed = remove
    ? await session.query('DELETE FROM tag_links WHERE target = $1 AND tag_id = $2 AND target_id = ANY($3::bigint[])', [target, id, ids])
    : await session.query(
        `INSERT INTO tag_links (target, target_id, tag_id, at, moderator)
         SELECT $1, t.id, $2, $3, $4 FROM unnest($5::bigint[]) AS t (id) ON CONFLICT DO NOTHING`,
        [target, id, Date.now(), pgText(moderator), ids],
      );
  await appendAuditRow(session, remove ? 'untagged' : 'tagged', moderator, {
    tag: name,
    target,
    ids,
    ...(await namedTargets(session, target, ids)),
    changed: changed.rowCount ?? 0,
  });
  return changed.rowCount ?? 0;
}

/**
 * tags.ts's assertLinkSeen. The link is locked as it is read: a desk taking the same tag off at the
 * same moment waits, then finds it gone (a conflict, as SQLite would find it after the first).
 */
async function assertLinkSeen(
  session: WriteSession,
  tag: { id: number; name: string },
  target: ReviewTarget,
  ids: number[],
  linkedAt: number | undefined,
): Promise<void> {
  if (linkedAt === undefined) {
    const claims = (await session.query<{ value: string }>("SELECT value FROM settings WHERE key = 'claims' FOR SHARE")).rows[0]?.value;
    if ((isClaimsMode(claims) ? claims : DEFAULT_CLAIMS_MODE) !== 'required') return;
    throw unversionedRemoval(tag.name, target, ids);
  }
  if (ids.length !== 1) throw new ReviewError(ONE_TARGET_AS_SEEN);
  const link = await session.query<TagLinkSeen>(
    'SELECT at, moderator FROM tag_links WHERE target = $1 AND target_id = $2 AND tag_id = $3 FOR UPDATE',
    [target, ids[0]!, tag.id],
  );
  if (link.rows[0]?.at === linkedAt) return;
  throw staleLink(tag.name, target, ids[0]!, link.rows[0]);
}
