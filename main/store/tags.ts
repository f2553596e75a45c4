// Tags on entries, users and rooms: the default group and the moderators' own, each with a colour;
// a tag can be a hold (what carries it survives purges). Tagging a selection or every entry a
// filter selects is one statement, recorded in the audit trail.
import type { EntryFilter } from '../../shared/api.js';
import type { EntryReview, ReviewTarget, Tag } from '../../shared/review.js';
import { appendAudit } from './audit.js';
import type { Db } from './db.js';
import { where, whereSql } from './entryQuery.js';
import { UserFacingError } from '../../shared/userFacingError.js';

export class ReviewError extends UserFacingError {}

const COLOUR = /^#[0-9a-f]{6}$/i;

interface TagRow {
  id: number;
  name: string;
  colour: string;
  hold: number;
  builtin: number;
  uses: number;
}

export function listTags(db: Db): Tag[] {
  return db
    .prepare<[], TagRow>(
      'SELECT t.*, (SELECT count(*) FROM tag_links l WHERE l.tag_id = t.id) AS uses FROM tags t ORDER BY t.builtin DESC, t.name',
    )
    .all()
    .map((row) => ({ id: row.id, name: row.name, colour: row.colour, hold: row.hold === 1, builtin: row.builtin === 1, uses: row.uses }));
}

function tagId(db: Db, name: string): number {
  const id = db.prepare<[string], number>('SELECT id FROM tags WHERE name = ?').pluck().get(name);
  if (id === undefined) throw new ReviewError(`no tag "${name}"`);
  return id;
}

export function createTag(db: Db, tag: { name: string; colour: string; hold?: boolean }, moderator: string): Tag {
  const name = tag.name.trim();
  if (!/^[\p{L}\p{N}_-]{1,40}$/u.test(name)) throw new ReviewError('a tag name is 1 to 40 letters, digits, - or _');
  if (!COLOUR.test(tag.colour)) throw new ReviewError(`a tag colour is #rrggbb, not "${tag.colour}"`);
  return db.transaction(() => {
    if (db.prepare('SELECT 1 FROM tags WHERE name = ?').get(name)) throw new ReviewError(`there is a tag "${name}" already`);
    db.prepare('INSERT INTO tags (name, colour, hold, created_at) VALUES (?, ?, ?, ?)').run(name, tag.colour, tag.hold ? 1 : 0, Date.now());
    appendAudit(db, 'tag created', moderator, { tag: name, colour: tag.colour, hold: tag.hold === true });
    return listTags(db).find((t) => t.name === name)!;
  })();
}

export function setTagHold(db: Db, name: string, hold: boolean, moderator: string): void {
  db.transaction(() => {
    const id = tagId(db, name);
    db.prepare('UPDATE tags SET hold = ? WHERE id = ?').run(hold ? 1 : 0, id);
    appendAudit(db, hold ? 'hold set' : 'hold lifted', moderator, { tag: name });
  })();
}

/** Puts a tag on (or, with `remove`, takes it off) the given entries, users or rooms. Answers how many changed. */
export function tagTargets(db: Db, name: string, target: ReviewTarget, ids: number[], moderator: string, remove = false): number {
  return db.transaction(() => {
    const id = tagId(db, name);
    const at = Date.now();
    const statement = remove
      ? db.prepare('DELETE FROM tag_links WHERE target = ? AND target_id = ? AND tag_id = ?')
      : db.prepare('INSERT OR IGNORE INTO tag_links (target, target_id, tag_id, at, moderator) VALUES (?, ?, ?, ?, ?)');
    let changed = 0;
    for (const targetId of ids)
      changed += (remove ? statement.run(target, targetId, id) : statement.run(target, targetId, id, at, moderator)).changes;
    appendAudit(db, remove ? 'untagged' : 'tagged', moderator, { tag: name, target, ids, changed });
    return changed;
  })();
}

/** Tags every entry the filter selects (every hit of a search), in one statement. */
export function tagFilter(db: Db, name: string, filter: EntryFilter, moderator: string): number {
  return db.transaction(() => {
    const id = tagId(db, name);
    const { clauses, params } = where(db, filter);
    const changed = db
      .prepare(
        `INSERT OR IGNORE INTO tag_links (target, target_id, tag_id, at, moderator)
         SELECT 'entry', e.id, @tagId, @at, @moderator FROM entries e ${whereSql(clauses)}`,
      )
      .run({ ...params, tagId: id, at: Date.now(), moderator }).changes;
    appendAudit(db, 'tagged', moderator, { tag: name, target: 'entry', filter, changed });
    return changed;
  })();
}

/** Tags and note counts of the given entries, users or rooms (those with neither are left out). */
export function reviewsOf(db: Db, target: ReviewTarget, ids: number[]): Record<number, EntryReview> {
  const result: Record<number, EntryReview> = {};
  if (ids.length === 0) return result;
  const list = JSON.stringify(ids);
  for (const row of db
    .prepare<[string, string], { id: number; name: string }>(
      `SELECT l.target_id AS id, t.name FROM tag_links l JOIN tags t ON t.id = l.tag_id
       WHERE l.target = ? AND l.target_id IN (SELECT value FROM json_each(?)) ORDER BY t.name`,
    )
    .all(target, list)) {
    (result[row.id] ??= { tags: [], notes: 0 }).tags.push(row.name);
  }
  for (const row of db
    .prepare<[string, string], { id: number; n: number }>(
      `SELECT target_id AS id, count(*) AS n FROM notes WHERE target = ? AND target_id IN (SELECT value FROM json_each(?)) GROUP BY target_id`,
    )
    .all(target, list)) {
    (result[row.id] ??= { tags: [], notes: 0 }).notes = row.n;
  }
  return result;
}
