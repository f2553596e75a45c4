// The tags and what carries them, read from PostgreSQL as store/tags.ts reads them from SQLite.
// SQLite's tags.name is COLLATE NOCASE, so its ORDER BY name folds ASCII letters and compares
// the rest byte by byte: omv_nocase() under the "C" collation, whatever the database's own.
import type { EntryReview, ReviewTarget, Tag } from '../../../../shared/review.js';
import { reviewsFromRows, toTag, type ReviewNoteRow, type ReviewTagRow, type TagRow } from '../../tags.js';
import type { ReadPool } from '../connection.js';

export async function listTags({ pool }: ReadPool): Promise<Tag[]> {
  const { rows } = await pool.query<TagRow>(
    `SELECT t.id, t.name, t.colour, t.hold, t.builtin, (SELECT count(*) FROM tag_links l WHERE l.tag_id = t.id) AS uses
     FROM tags t ORDER BY t.builtin DESC, omv_nocase(t.name) COLLATE "C"`,
  );
  return rows.map(toTag);
}

/** Tags and note counts of the given entries, users or rooms (those with neither are left out). */
export async function reviewsOf({ pool }: ReadPool, target: ReviewTarget, ids: number[]): Promise<Record<number, EntryReview>> {
  if (ids.length === 0) return {};
  const [tagged, noted] = await Promise.all([
    pool.query<ReviewTagRow>(
      `SELECT l.target_id AS id, t.name, l.at FROM tag_links l JOIN tags t ON t.id = l.tag_id
       WHERE l.target = $1 AND l.target_id = ANY($2::bigint[]) ORDER BY omv_nocase(t.name) COLLATE "C"`,
      [target, ids],
    ),
    pool.query<ReviewNoteRow>(
      'SELECT target_id AS id, count(*) AS n FROM notes WHERE target = $1 AND target_id = ANY($2::bigint[]) GROUP BY target_id',
      [target, ids],
    ),
  ]);
  return reviewsFromRows(tagged.rows, noted.rows);
}
