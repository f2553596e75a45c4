// What a purge keeps, whatever its date: SQL both engines read alike, over entries as `e`
// (store/purge.ts for SQLite, store/pg/purge.ts for PostgreSQL), so the two cannot keep different things.

/** Which entries a hold keeps: a hold tag on the entry, its user or its room. */
export const HELD = `(
  e.id IN (SELECT l.target_id FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE t.hold = 1 AND l.target = 'entry')
  OR e.user_id IN (SELECT l.target_id FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE t.hold = 1 AND l.target = 'user')
  OR e.room_id IN (SELECT l.target_id FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE t.hold = 1 AND l.target = 'room'))`;
/** Which entries a report still open keeps. */
export const REPORTED = `e.id IN (SELECT l.entry_id FROM abuse_report_entries l JOIN abuse_reports a ON a.id = l.report_id
  WHERE a.status IN ('open', 'in review'))`;
