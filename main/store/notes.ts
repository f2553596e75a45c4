// Free-text notes on entries, users and rooms, each with its moderator and time, in the audit trail.
// A note is edited by its author (or someone with "assign") on the version they saw: an edit made
// on an older one is refused with who edited it since, and nothing is changed.
import { ForbiddenError } from '../../shared/access.js';
import { ConflictError } from '../../shared/conflict.js';
import type { Note, ReviewTarget } from '../../shared/review.js';
import { appendAudit } from './audit.js';
import type { ReportActor } from './claims.js';
import type { Db } from './db.js';
import { assertTargetsExist, namedTargets, ReviewError } from './tags.js';

export interface NoteRow {
  id: number;
  target: ReviewTarget;
  target_id: number;
  text: string;
  moderator: string;
  at: number;
  version: number;
  edited_by: string | null;
  edited_at: number | null;
}

export const toNote = (row: NoteRow): Note => ({
  id: row.id,
  target: row.target,
  targetId: row.target_id,
  text: row.text,
  moderator: row.moderator,
  at: row.at,
  version: row.version,
  editedBy: row.edited_by,
  editedAt: row.edited_at,
});

/** A note's text as it is kept (trimmed), refused when empty or too long. */
export function noteText(text: string): string {
  const body = text.trim();
  if (body === '') throw new ReviewError('a note needs some text');
  if (body.length > 10_000) throw new ReviewError('a note is at most 10,000 characters');
  return body;
}

export function addNote(db: Db, target: ReviewTarget, targetId: number, text: string, moderator: string): Note {
  const body = noteText(text);
  return db.transaction(() => {
    assertTargetsExist(db, target, [targetId]);
    const at = Date.now();
    const id = Number(
      db
        .prepare('INSERT INTO notes (target, target_id, text, moderator, at) VALUES (?, ?, ?, ?, ?)')
        .run(target, targetId, body, moderator, at).lastInsertRowid,
    );
    appendAudit(db, 'note', moderator, { target, id: targetId, ...namedTargets(db, target, [targetId]), note: id, text: body }, at);
    return { id, target, targetId, text: body, moderator, at, version: 1, editedBy: null, editedAt: null };
  })();
}

/**
 * Replaces a note's text: its author may, and anyone with "assign". `version` is the one the
 * editor saw (an edit is new, so every desk that edits sends one); another is a conflict.
 */
export function editNote(db: Db, edit: { id: number; text: string; version: number; actor: ReportActor; at?: number }): Note {
  const body = noteText(edit.text);
  return db.transaction((): Note => {
    const row = db.prepare<[number], NoteRow>('SELECT * FROM notes WHERE id = ?').get(edit.id);
    if (!row) throw new ReviewError(`no note ${edit.id}`);
    if (row.version !== edit.version) throw staleNote(row);
    if (row.moderator !== edit.actor.name && !edit.actor.mayAssign) throw notTheirNote(row);
    if (row.text === body) return toNote(row);
    const at = edit.at ?? Date.now();
    // The same details as a new note's row, so a purge that removes the note redacts this row's text too.
    appendAudit(
      db,
      'note edited',
      edit.actor.name,
      { target: row.target, id: row.target_id, ...namedTargets(db, row.target, [row.target_id]), note: row.id, text: body },
      at,
    );
    db.prepare('UPDATE notes SET text = ?, version = version + 1, edited_by = ?, edited_at = ? WHERE id = ?').run(
      body,
      edit.actor.name,
      at,
      row.id,
    );
    return toNote(db.prepare<[number], NoteRow>('SELECT * FROM notes WHERE id = ?').get(row.id)!);
  })();
}

/** The refusal of an edit made on another version than `row`'s (the note as it is now). */
export function staleNote(row: NoteRow): ConflictError {
  const change =
    row.edited_by === null
      ? { change: 'written', by: row.moderator, at: row.at }
      : { change: 'edited', by: row.edited_by, at: row.edited_at };
  return new ConflictError(
    `note ${row.id} changed since this desk saw it: ${change.change} by ${change.by}${change.at === null ? '' : ` at ${new Date(change.at).toISOString()}`}. Nothing was changed: read it again and edit the current version (${row.version}).`,
    { subject: 'note', id: row.id, version: row.version, ...change, current: { text: row.text } },
  );
}

/** The refusal of an edit of someone else's note by someone without "assign". */
export const notTheirNote = (row: NoteRow) =>
  new ForbiddenError(`note ${row.id} is ${row.moderator}'s: only they, or someone with the "assign" permission, may edit it`);

export function notesOf(db: Db, target: ReviewTarget, targetId: number): Note[] {
  return db
    .prepare<[string, number], NoteRow>('SELECT * FROM notes WHERE target = ? AND target_id = ? ORDER BY at, id')
    .all(target, targetId)
    .map(toNote);
}
