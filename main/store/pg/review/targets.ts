// What the tag and note changes on PostgreSQL share, in the change's transaction: a tag found by
// its name (as SQLite's NOCASE column finds it), the targets a change names checked to exist, and
// the purge kept apart from a change that puts something on entries.
import type { NamedTarget, ReviewTarget } from '../../../../shared/review.js';
import { missingTargets, noSuchTag, TARGET_TABLES } from '../../tags.js';
import { pgText, type WriteSession } from '../connection.js';
import { PURGE_LOCK } from '../locks.js';

/** The id of the tag named `name` (letters A–Z fold as NOCASE folds them), refused as SQLite refuses a name no tag has. */
export async function tagIdOf(session: WriteSession, name: string): Promise<number> {
  const { rows } = await session.query<{ id: number }>('SELECT id FROM tags WHERE omv_nocase(name) = omv_nocase($1)', [pgText(name)]);
  if (rows[0] === undefined) throw noSuchTag(name);
  return rows[0].id;
}

/**
 * tags.ts's assertTargetsExist: refuses ids that name nothing, the first ten in order. SQLite reads
 * the ids as JSON, where a number that is not finite is NULL (shown as nothing, first); such an id
 * is refused here too — SQLite lets it through when the table has rows, and the write after it
 * fails or stores it (a bigint cannot hold it) — and so is one that is no whole number.
 */
export async function assertTargetsExist(session: WriteSession, target: ReviewTarget, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  const whole = ids.filter((id) => Number.isSafeInteger(id));
  const found = new Set(
    whole.length === 0
      ? []
      : (await session.query<{ id: number }>(`SELECT id FROM ${TARGET_TABLES[target]} WHERE id = ANY($1::bigint[])`, [whole])).rows.map(
          (row) => row.id,
        ),
  );
  const missing = ids
    .filter((id) => !found.has(id))
    .map((id) => (Number.isFinite(id) ? id : null))
    .sort((a, b) => (a === null ? (b === null ? 0 : -1) : b === null ? 1 : a - b))
    .slice(0, 10);
  if (missing.length > 0) throw missingTargets(target, missing);
}

/** tags.ts's namedTargets: what users and rooms are known as (entries: nothing), in the order of `ids`. */
export async function namedTargets(
  session: WriteSession,
  target: ReviewTarget,
  ids: readonly number[],
): Promise<{ names?: NamedTarget[] }> {
  if (target === 'entry' || ids.length === 0) return {};
  const column = target === 'user' ? 'user_id' : 'name';
  const { rows } = await session.query<NamedTarget>(
    `SELECT t.${column} AS name, t.domain_id AS domain FROM unnest($1::bigint[]) WITH ORDINALITY AS i (id, n)
       JOIN ${TARGET_TABLES[target]} t ON t.id = i.id ORDER BY i.n`,
    [ids.filter((id) => Number.isSafeInteger(id))],
  );
  return { names: rows };
}

/**
 * Waits for a purge's transaction, and holds the next one off until this one commits (the purge
 * holds PURGE_LOCK exclusively while it decides what goes): a tag, a hold or a note put on an entry
 * lands wholly before the purge decides or after it, as SQLite's one writer has it — never on an
 * entry the purge is removing (a link or note left on nothing, its text unredacted in the trail).
 */
export async function besidePurge(session: WriteSession): Promise<void> {
  await session.query('SELECT pg_advisory_xact_lock_shared($1)', [PURGE_LOCK]);
}
