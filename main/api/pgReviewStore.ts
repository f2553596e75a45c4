// The review store over PostgreSQL (reviewStore.ts's ReviewStore): the review workflow's changes,
// each in one transaction on the writer's pool with its audit row (the chain's head row locked
// until the commit, as omv's other writers of the trail). One module per part of the workflow
// under store/pg/review/.
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Actor } from '../../shared/access.js';
import { DEFAULT_CLAIMS_MODE, isClaimsMode } from '../../shared/review.js';
import { inWriteTransaction } from '../store/pg/connection.js';
import type { PgEngine } from '../store/pg/engine.js';
import { tagsChanges } from '../store/pg/review/tags.js';
import { reportsChanges } from '../store/pg/review/reports.js';
import { watchChanges } from '../store/pg/review/watch.js';
import { appendAuditRow } from '../store/pg/writes.js';
import type { ReviewStore } from './reviewStore.js';

/** The desk's settings this database keeps (moderator, claims, pseudonym_salt), as they are now. */
export async function pgSettings(engine: PgEngine): Promise<Map<string, string>> {
  const rows = await engine.reader.pool.query<{ key: string; value: string }>(
    "SELECT key, value FROM settings WHERE key IN ('moderator', 'claims', 'pseudonym_salt')",
  );
  return new Map(rows.rows.map((row) => [row.key, row.value]));
}

/** This database's pseudonym salt, made once if no desk made it yet: pseudonyms are the same on every desk of the database. */
async function pseudonymSalt(engine: PgEngine): Promise<string> {
  const made = randomBytes(16).toString('hex');
  await engine.writes.writer.pool.query("INSERT INTO settings (key, value) VALUES ('pseudonym_salt', $1) ON CONFLICT (key) DO NOTHING", [
    made,
  ]);
  return (await pgSettings(engine)).get('pseudonym_salt')!;
}

/** The store, with this machine's moderator as the database names them when it opens (kept up to date by nameModerator). */
export async function pgReviewStore(engine: PgEngine): Promise<ReviewStore> {
  const fromEnvironment = process.env['OMV_MODERATOR']?.trim() || null;
  let given = fromEnvironment ?? (await pgSettings(engine)).get('moderator') ?? null;
  const salt = await pseudonymSalt(engine);
  return {
    ...tagsChanges(engine),
    ...reportsChanges(engine),
    ...watchChanges(engine),

    localActor: (): Actor => ({ name: given ?? userInfo().username, role: 'admin', via: 'local' }),

    async deskFacts() {
      const settings = await pgSettings(engine);
      const claims = settings.get('claims') ?? null;
      return {
        givenName: fromEnvironment ?? settings.get('moderator') ?? null,
        pseudonymSalt: salt,
        claims: isClaimsMode(claims) ? claims : DEFAULT_CLAIMS_MODE,
      };
    },

    async nameModerator(name, from) {
      await inWriteTransaction(
        engine.writes.writer.pool,
        async (session) => {
          const now = await session.query<{ value: string }>("SELECT value FROM settings WHERE key = 'moderator' FOR UPDATE");
          if (now.rows[0]?.value === name) return;
          await session.query(
            "INSERT INTO settings (key, value) VALUES ('moderator', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [name],
          );
          // Later rows carry the new name: the trail says who it was before, and when it changed.
          await appendAuditRow(session, 'moderator named', name, { from, to: name });
        },
        { confirmed: true },
      );
      given = fromEnvironment ?? name;
    },
  };
}
