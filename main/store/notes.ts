// Free-text notes on entries, users and rooms, each with its moderator and time, in the audit trail.
import type { Note, ReviewTarget } from '../../shared/review.js';
import { appendAudit } from './audit.js';
import type { Db } from './db.js';
import { assertTargetsExist, ReviewError } from './tags.js';

interface NoteRow {
  id: number;
  target: ReviewTarget;
  target_id: number;
  text: string;
  moderator: string;
  at: number;
}

const toNote = (row: NoteRow): Note => ({
  id: row.id,
  target: row.target,
  targetId: row.target_id,
  text: row.text,
  moderator: row.moderator,
  at: row.at,
});

export function addNote(db: Db, target: ReviewTarget, targetId: number, text: string, moderator: string): Note {
  const body = text.trim();
  if (body === '') throw new ReviewError('a note needs some text');
  if (body.length > 10_000) throw new ReviewError('a note is at most 10,000 characters');
  return db.transaction(() => {
    assertTargetsExist(db, target, [targetId]);
    const at = Date.now();
    const id = Number(
      db
        .prepare('INSERT INTO notes (target, target_id, text, moderator, at) VALUES (?, ?, ?, ?, ?)')
        .run(target, targetId, body, moderator, at).lastInsertRowid,
    );
    appendAudit(db, 'note', moderator, { target, id: targetId, note: id, text: body }, at);
    return { id, target, targetId, text: body, moderator, at };
  })();
}

export function notesOf(db: Db, target: ReviewTarget, targetId: number): Note[] {
  return db
    .prepare<[string, number], NoteRow>('SELECT * FROM notes WHERE target = ? AND target_id = ? ORDER BY at, id')
    .all(target, targetId)
    .map(toNote);
}
