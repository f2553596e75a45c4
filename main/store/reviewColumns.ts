// An entry's review, as an export's extra columns (--with-review): its tags, its notes and whether
// its room has been reviewed past it.
import type { EntryRecord } from '../../shared/entryRecord.js';
import type { Db } from './db.js';

export const REVIEW_COLUMNS = ['tags', 'notes', 'review_status'] as const;

export function reviewColumnsReader(db: Db): (entry: EntryRecord) => [tags: string, notes: string, status: 'reviewed' | 'unreviewed'] {
  const tags = db
    .prepare<[number], string>(
      "SELECT group_concat(t.name, ';') FROM (SELECT t.name FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE l.target = 'entry' AND l.target_id = ? ORDER BY t.name) t",
    )
    .pluck();
  const notes = db
    .prepare<[number], string>(
      "SELECT group_concat(text, ' | ') FROM (SELECT text FROM notes WHERE target = 'entry' AND target_id = ? ORDER BY at, id)",
    )
    .pluck();
  const mark = db
    .prepare<[string, string], number>(
      'SELECT rr.reviewed_to FROM room_reviews rr JOIN rooms r ON r.id = rr.room_id WHERE r.domain_id = ? AND r.name = ?',
    )
    .pluck();
  const marks = new Map<string, number | null>();
  return (entry) => {
    const key = `${entry.domainId}\u0000${entry.room}`;
    if (!marks.has(key)) marks.set(key, mark.get(entry.domainId, entry.room) ?? null);
    const reviewedTo = marks.get(key);
    return [tags.get(entry.id) ?? '', notes.get(entry.id) ?? '', reviewStatus(entry.timestamp, reviewedTo)];
  };
}

/** Whether an entry at `timestamp` is reviewed: its room's mark (the time reviewed to, if any) is at or after it. */
export function reviewStatus(timestamp: number, reviewedTo: number | null | undefined): 'reviewed' | 'unreviewed' {
  return reviewedTo != null && timestamp <= reviewedTo ? 'reviewed' : 'unreviewed';
}
