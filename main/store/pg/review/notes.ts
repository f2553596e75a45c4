// Notes written and edited over PostgreSQL, as store/notes.ts does on SQLite, in the caller's
// transaction. An edit locks the note it names before it compares versions: two desks editing the
// same version at once, one waits, then finds the version the other made — refused as SQLite
// refuses the second of two edits.
import type { Note, ReviewTarget } from '../../../../shared/review.js';
import type { ReportActor } from '../../claims.js';
import { notTheirNote, noteText, staleNote, toNote, type NoteRow } from '../../notes.js';
import { ReviewError } from '../../tags.js';
import { pgText, type WriteSession } from '../connection.js';
import { appendAuditRow } from '../writes.js';
import { assertTargetsExist, besidePurge, namedTargets } from './targets.js';

export async function addNote(
  session: WriteSession,
  target: ReviewTarget,
  targetId: number,
  text: string,
  moderator: string,
): Promise<Note> {
  const body = noteText(text);
  await besidePurge(session);
  await assertTargetsExist(session, target, [targetId]);
  const at = Date.now();
  const { rows } = await session.query<{ id: number }>(
    'INSERT INTO notes (target, target_id, text, moderator, at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [target, targetId, pgText(body), pgText(moderator), at],
  );
  const id = rows[0]!.id;
  await appendAuditRow(
    session,
    'note',
    moderator,
    { target, id: targetId, ...(await namedTargets(session, target, [targetId])), note: id, text: body },
    at,
  );
  // The text as kept (PostgreSQL's text holds no U+0000), as a read of it answers.
  return { id, target, targetId, text: pgText(body), moderator: pgText(moderator), at, version: 1, editedBy: null, editedAt: null };
}

export async function editNote(
  session: WriteSession,
  edit: { id: number; text: string; version: number; actor: ReportActor; at?: number },
): Promise<Note> {
  const body = noteText(edit.text);
  await besidePurge(session);
  // SQLite finds no note for an id that is no whole number (NaN binds as NULL); a bigint cannot be asked for one.
  const row = Number.isSafeInteger(edit.id)
    ? (await session.query<NoteRow>('SELECT * FROM notes WHERE id = $1 FOR UPDATE', [edit.id])).rows[0]
    : undefined;
  if (!row) throw new ReviewError(`no note ${edit.id}`);
  if (row.version !== edit.version) throw staleNote(row);
  if (row.moderator !== pgText(edit.actor.name) && !edit.actor.mayAssign) throw notTheirNote(row);
  if (row.text === pgText(body)) return toNote(row);
  const at = edit.at ?? Date.now();
  // The same details as a new note's row, so a purge that removes the note redacts this row's text too.
  await appendAuditRow(
    session,
    'note edited',
    edit.actor.name,
    { target: row.target, id: row.target_id, ...(await namedTargets(session, row.target, [row.target_id])), note: row.id, text: body },
    at,
  );
  const edited = await session.query<NoteRow>(
    'UPDATE notes SET text = $1, version = version + 1, edited_by = $2, edited_at = $3 WHERE id = $4 RETURNING *',
    [pgText(body), pgText(edit.actor.name), at, row.id],
  );
  return toNote(edited.rows[0]!);
}
