// Notes on an entry, a user or a room, read from PostgreSQL as store/notes.ts reads them from SQLite.
import type { Note, ReviewTarget } from '../../../../shared/review.js';
import { toNote, type NoteRow } from '../../notes.js';
import type { ReadPool } from '../connection.js';

export async function notesOf({ pool }: ReadPool, target: ReviewTarget, targetId: number): Promise<Note[]> {
  // SQLite compares an id that is no whole number (NaN binds as NULL, 1.5 as a REAL) with the
  // integer column and finds nothing; PostgreSQL would refuse it as a bigint.
  if (!Number.isSafeInteger(targetId)) return [];
  const { rows } = await pool.query<NoteRow>('SELECT * FROM notes WHERE target = $1 AND target_id = $2 ORDER BY at, id', [
    target,
    targetId,
  ]);
  return rows.map(toNote);
}
