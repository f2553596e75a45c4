// Tags on entries, users and rooms: the default group and the moderators' own, each with a colour;
// a tag can be a hold (what carries it survives purges). Tagging a selection or every entry a
// filter selects is one statement, recorded in the audit trail.
import type { EntryFilter } from '../../shared/api.js';
import { ConflictError } from '../../shared/conflict.js';
import type { EntryReview, NamedTarget, ReviewTarget, Tag } from '../../shared/review.js';
import { appendAudit } from './audit.js';
import { claimsMode } from './claims.js';
import type { Db } from './db.js';
import { UserFacingError } from '../../shared/userFacingError.js';
import { ForbiddenError } from '../../shared/access.js';

export class ReviewError extends UserFacingError {}

const COLOUR = /^#[0-9a-f]{6}$/i;

export interface TagRow {
  id: number;
  name: string;
  colour: string;
  hold: number;
  builtin: number;
  uses: number;
}

/**
 * How many tags a desk keeps: a vocabulary moderators choose from, sent whole to every desk. A
 * flood of them (a script, a mistake) would make every desk load megabytes and every tag editor
 * unusable; past this a new tag is refused with why.
 */
export const MAX_TAGS = 1000;

export const toTag = (row: TagRow): Tag => ({
  id: row.id,
  name: row.name,
  colour: row.colour,
  hold: row.hold === 1,
  builtin: row.builtin === 1,
  uses: row.uses,
});

export function listTags(db: Db): Tag[] {
  return db
    .prepare<[], TagRow>(
      'SELECT t.*, (SELECT count(*) FROM tag_links l WHERE l.tag_id = t.id) AS uses FROM tags t ORDER BY t.builtin DESC, t.name',
    )
    .all()
    .map(toTag);
}

/** The refusal of a tag name no tag has (names compare as NOCASE does). */
export const noSuchTag = (name: string) => new ReviewError(`no tag "${name}"`);

function tagId(db: Db, name: string): number {
  const id = db.prepare<[string], number>('SELECT id FROM tags WHERE name = ?').pluck().get(name);
  if (id === undefined) throw noSuchTag(name);
  return id;
}

/** A new tag's name as it is kept (trimmed), its name and colour checked: the refusals before any query. */
export function newTagName(tag: { name: string; colour: string }): string {
  const name = tag.name.trim();
  if (!/^[\p{L}\p{N}_-]{1,40}$/u.test(name)) throw new ReviewError('a tag name is 1 to 40 letters, digits, - or _');
  if (!COLOUR.test(tag.colour)) throw new ReviewError(`a tag colour is #rrggbb, not "${tag.colour}"`);
  return name;
}

export const tagExists = (name: string) => new ReviewError(`there is a tag "${name}" already`);

export const tooManyTags = () =>
  new ReviewError(`a desk keeps at most ${MAX_TAGS.toLocaleString('en-US')} tags: use one of those there are`);

export function createTag(db: Db, tag: { name: string; colour: string; hold?: boolean }, moderator: string): Tag {
  const name = newTagName(tag);
  return db.transaction(() => {
    if (db.prepare('SELECT 1 FROM tags WHERE name = ?').get(name)) throw tagExists(name);
    if (db.prepare<[], number>('SELECT count(*) FROM tags').pluck().get()! >= MAX_TAGS) throw tooManyTags();
    const id = db
      .prepare('INSERT INTO tags (name, colour, hold, created_at) VALUES (?, ?, ?, ?)')
      .run(name, tag.colour, tag.hold ? 1 : 0, Date.now()).lastInsertRowid;
    appendAudit(db, 'tag created', moderator, { tag: name, colour: tag.colour, hold: tag.hold === true });
    // The new tag alone: listing every tag for each one made (30,000 of them took minutes) is the caller's choice.
    return toTag(db.prepare<[number | bigint], TagRow>('SELECT t.*, 0 AS uses FROM tags t WHERE id = ?').get(id)!);
  })();
}

export function setTagHold(db: Db, name: string, hold: boolean, moderator: string): void {
  db.transaction(() => {
    const id = tagId(db, name);
    db.prepare('UPDATE tags SET hold = ? WHERE id = ?').run(hold ? 1 : 0, id);
    appendAudit(db, hold ? 'hold set' : 'hold lifted', moderator, { tag: name });
  })();
}

/**
 * Taking a hold's tag off (one link, or a "tag all" undone) lifts that hold from what it marked,
 * which then goes at the next purge: as setTagHold, it needs "assign" (README: a lead makes and lifts holds).
 */
export function assertMayLiftHold(tag: { name: string; hold: boolean | number }, mayLiftHolds: boolean): void {
  if (tag.hold && !mayLiftHolds)
    throw new ForbiddenError(`the tag "${tag.name}" is a hold: taking it off lifts the hold, which needs the "assign" permission`);
}

export const TARGET_TABLES: Readonly<Record<ReviewTarget, string>> = { entry: 'entries', user: 'users', room: 'rooms' };

/**
 * Refuses ids that name nothing: a tag or note on an id not (yet) stored would stick to whatever
 * later gets that id — a hold on entries that do not exist would keep the wrong messages.
 */
export function assertTargetsExist(db: Db, target: ReviewTarget, ids: readonly number[]): void {
  if (ids.length === 0) return;
  const missing = db
    .prepare<[string], number>(
      `SELECT value FROM json_each(?) WHERE value NOT IN (SELECT id FROM ${TARGET_TABLES[target]}) ORDER BY value LIMIT 10`,
    )
    .pluck()
    .all(JSON.stringify(ids));
  if (missing.length > 0) throw missingTargets(target, missing);
}

/** What users and rooms are known as (entries: nothing), in the order of `ids`, for the audit trail. */
export function namedTargets(db: Db, target: ReviewTarget, ids: readonly number[]): { names?: NamedTarget[] } {
  if (target === 'entry' || ids.length === 0) return {};
  const column = target === 'user' ? 'user_id' : 'name';
  const names = db
    .prepare<[string], NamedTarget>(
      `SELECT t.${column} AS name, t.domain_id AS domain FROM json_each(?) AS i JOIN ${TARGET_TABLES[target]} t ON t.id = i.value ORDER BY i.key`,
    )
    .all(JSON.stringify(ids));
  return { names };
}

/** The refusal of ids that name nothing (the first ten, in order; an id that is no number is NULL, shown as nothing). */
export const missingTargets = (target: ReviewTarget, missing: ReadonlyArray<number | null>) =>
  new ReviewError(`there is no ${target} ${missing.join(', ')}: nothing was changed`);

/**
 * Taking a tag off one target names the link the desk saw (`linkedAt`: when it was put on): a tag
 * taken off since, or taken off and put on again, is a conflict. A desk that names none (an older
 * one, or a removal from many targets at once) is taken at its word unless claims are required here.
 */
function assertLinkSeen(
  db: Db,
  tag: { id: number; name: string },
  target: ReviewTarget,
  ids: number[],
  linkedAt: number | undefined,
): void {
  if (linkedAt === undefined) {
    if (claimsMode(db) !== 'required') return;
    throw unversionedRemoval(tag.name, target, ids);
  }
  if (ids.length !== 1) throw new ReviewError(ONE_TARGET_AS_SEEN);
  const link = db
    .prepare<[string, number, number], TagLinkSeen>('SELECT at, moderator FROM tag_links WHERE target = ? AND target_id = ? AND tag_id = ?')
    .get(target, ids[0]!, tag.id);
  if (link?.at === linkedAt) return;
  throw staleLink(tag.name, target, ids[0]!, link);
}

/** A tag's link as it is now: when it was put on, and by whom. */
export interface TagLinkSeen {
  at: number;
  moderator: string;
}

export const ONE_TARGET_AS_SEEN = 'a tag as the desk saw it is on one target: take it off one at a time';

/** The refusal of a removal that names no link where claims are required. */
export function unversionedRemoval(tag: string, target: ReviewTarget, ids: readonly number[]): ConflictError {
  return new ConflictError(
    `claims are required here, so taking a tag off names the tag as this desk saw it, and this desk sent nothing: reload it`,
    { subject: 'tag', id: tag, version: null, change: 'no version', by: null, at: null, current: { target, targetId: ids[0] ?? 0 } },
  );
}

/** The refusal of a removal whose link is not the one the desk saw (`link`: the one there is now, if any). */
export function staleLink(tag: string, target: ReviewTarget, targetId: number, link: TagLinkSeen | undefined): ConflictError {
  const change =
    link === undefined ? { change: 'taken off', by: null, at: null } : { change: 'put on again', by: link.moderator, at: link.at };
  return new ConflictError(
    `the tag "${tag}" on ${target} ${targetId} changed since this desk saw it: ${change.change}` +
      (link ? ` by ${link.moderator} at ${new Date(link.at).toISOString()}` : '') +
      '. Nothing was changed.',
    { subject: 'tag', id: tag, version: link?.at ?? null, ...change, current: { target, targetId } },
  );
}

/**
 * Puts a tag on (or, with `remove`, takes it off) the given entries, users or rooms. Answers how
 * many changed. A removal names the link it saw (`linkedAt`, see assertLinkSeen).
 */
export function tagTargets(
  db: Db,
  name: string,
  target: ReviewTarget,
  ids: number[],
  moderator: string,
  remove = false,
  linkedAt?: number,
  mayLiftHolds = true,
): number {
  return db.transaction(() => {
    const id = tagId(db, name);
    if (!remove) assertTargetsExist(db, target, ids);
    else {
      const hold = db.prepare<[number], number>('SELECT hold FROM tags WHERE id = ?').pluck().get(id) ?? 0;
      assertMayLiftHold({ name, hold }, mayLiftHolds);
      assertLinkSeen(db, { id, name }, target, ids, linkedAt);
    }
    const at = Date.now();
    const statement = remove
      ? db.prepare('DELETE FROM tag_links WHERE target = ? AND target_id = ? AND tag_id = ?')
      : db.prepare('INSERT OR IGNORE INTO tag_links (target, target_id, tag_id, at, moderator) VALUES (?, ?, ?, ?, ?)');
    let changed = 0;
    for (const targetId of ids)
      changed += (remove ? statement.run(target, targetId, id) : statement.run(target, targetId, id, at, moderator)).changes;
    appendAudit(db, remove ? 'untagged' : 'tagged', moderator, { tag: name, target, ids, ...namedTargets(db, target, ids), changed });
    return changed;
  })();
}

export interface TagBatch {
  id: number;
  tag: string;
  planned: number;
  tagged: number;
}

/**
 * "Tag all": starts a batch that will put `name` on the entries a search found (`planned` of
 * them, found apart from the writer), audited as it starts. tagBatchPart writes it in parts.
 */
export function startTagBatch(db: Db, name: string, filter: EntryFilter, planned: number, moderator: string): TagBatch {
  return db
    .transaction((): TagBatch => {
      const tag = tagId(db, name);
      const id = Number(
        db
          .prepare('INSERT INTO tag_batches (tag_id, filter, planned, moderator, started_at) VALUES (?, ?, ?, ?, ?)')
          .run(tag, JSON.stringify(filter), planned, moderator, Date.now()).lastInsertRowid,
      );
      appendAudit(db, 'tagged', moderator, { tag: name, target: 'entry', filter, planned, batch: id });
      return { id, tag: name, planned, tagged: 0 };
    })
    .immediate();
}

/** Writes one part of a batch (entries that no longer exist are skipped); `last` finishes it. Answers how many were tagged. */
export function tagBatchPart(db: Db, batch: TagBatch, ids: readonly number[], last: boolean): number {
  const changed = db
    .transaction(() => {
      const row = db
        .prepare<[number], { tag_id: number; moderator: string }>('SELECT tag_id, moderator FROM tag_batches WHERE id = ?')
        .get(batch.id)!;
      const tagged = db
        .prepare(
          `INSERT OR IGNORE INTO tag_links (target, target_id, tag_id, at, moderator, batch_id)
           SELECT 'entry', e.id, ?, ?, ?, ? FROM entries e WHERE e.id IN (SELECT value FROM json_each(?))`,
        )
        .run(row.tag_id, Date.now(), row.moderator, batch.id, JSON.stringify(ids)).changes;
      db.prepare('UPDATE tag_batches SET tagged = tagged + ?, finished_at = ? WHERE id = ?').run(
        tagged,
        last ? Date.now() : null,
        batch.id,
      );
      return tagged;
    })
    .immediate();
  batch.tagged += changed; // once committed: what the desks are told is what is stored
  return changed;
}

/**
 * Ends a batch that a failed part stopped short: finished with the links it made, so it can be
 * undone, not "under way" for ever. Its `tagged` says how far it got.
 */
export function endTagBatchShort(db: Db, batch: TagBatch): void {
  db.prepare('UPDATE tag_batches SET finished_at = ? WHERE id = ? AND finished_at IS NULL').run(Date.now(), batch.id);
}

/** Tags and note counts of the given entries, users or rooms (those with neither are left out). */
export function reviewsOf(db: Db, target: ReviewTarget, ids: number[]): Record<number, EntryReview> {
  if (ids.length === 0) return {};
  const list = JSON.stringify(ids);
  const tagged = db
    .prepare<[string, string], ReviewTagRow>(
      `SELECT l.target_id AS id, t.name, l.at FROM tag_links l JOIN tags t ON t.id = l.tag_id
       WHERE l.target = ? AND l.target_id IN (SELECT value FROM json_each(?)) ORDER BY t.name`,
    )
    .all(target, list);
  const noted = db
    .prepare<[string, string], ReviewNoteRow>(
      `SELECT target_id AS id, count(*) AS n FROM notes WHERE target = ? AND target_id IN (SELECT value FROM json_each(?)) GROUP BY target_id`,
    )
    .all(target, list);
  return reviewsFromRows(tagged, noted);
}

/** A tag on a target, in the order of the tags' names (NOCASE): reviewsOf's first question. */
export interface ReviewTagRow {
  id: number;
  name: string;
  at: number;
}

/** How many notes a target has: reviewsOf's second question. */
export interface ReviewNoteRow {
  id: number;
  n: number;
}

/** The reviews of targets from their tags (in name order) and note counts: one answer whichever engine asked. */
export function reviewsFromRows(tagged: readonly ReviewTagRow[], noted: readonly ReviewNoteRow[]): Record<number, EntryReview> {
  const result: Record<number, EntryReview> = {};
  for (const row of tagged) {
    const review = (result[row.id] ??= { tags: [], notes: 0, linkedAt: {} });
    review.tags.push(row.name);
    review.linkedAt[row.name] = row.at;
  }
  for (const row of noted) (result[row.id] ??= { tags: [], notes: 0, linkedAt: {} }).notes = row.n;
  return result;
}
