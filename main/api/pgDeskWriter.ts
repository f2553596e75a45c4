// The service's writer over a PostgreSQL store, as far as it goes today: a desk on PostgreSQL
// reads everything (pgReadCalls.ts) and changes nothing yet. The review workflow's writes, imports
// and exports move onto PostgreSQL next (issue #19); until then each call that would write is
// refused, saying so, and nothing is half-done. `session` answers who the desk's moderator is and
// how this database makes pseudonyms, from the database's settings as on SQLite.
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import type { Actor } from '../../shared/access.js';
import { DEFAULT_CLAIMS_MODE, isClaimsMode } from '../../shared/review.js';
import { UserFacingError } from '../../shared/userFacingError.js';
import type { PgEngine } from '../store/pg/engine.js';
import { WRITER_METHODS, type ServiceWriter } from './service.js';

export const READ_ONLY_ON_POSTGRES =
  'this desk reads a PostgreSQL store, where changes from the desk are not built yet (issue #19): ' +
  'tags, notes, report decisions, review marks, the watchlist, saved searches, imports and exports need a SQLite store for now';

async function settingsOf(engine: PgEngine): Promise<Map<string, string>> {
  const rows = await engine.reader.pool.query<{ key: string; value: string }>(
    "SELECT key, value FROM settings WHERE key IN ('moderator', 'claims', 'pseudonym_salt')",
  );
  return new Map(rows.rows.map((row) => [row.key, row.value]));
}

/** This database's pseudonym salt, made once if no desk made it yet: pseudonyms must be the same for every desk of the database. */
async function pseudonymSalt(engine: PgEngine): Promise<string> {
  const made = randomBytes(16).toString('hex');
  await engine.writes.writer.pool.query("INSERT INTO settings (key, value) VALUES ('pseudonym_salt', $1) ON CONFLICT (key) DO NOTHING", [
    made,
  ]);
  return (await settingsOf(engine)).get('pseudonym_salt')!;
}

export async function pgDeskWriter(engine: PgEngine): Promise<ServiceWriter> {
  const salt = await pseudonymSalt(engine);
  // The name the desk's actor has: nothing is recorded under it yet, so the desk does not ask for one.
  const moderator = process.env['OMV_MODERATOR']?.trim() || (await settingsOf(engine)).get('moderator') || userInfo().username;
  const localActor = (): Actor => ({ name: moderator, role: 'admin', via: 'local' });
  const refuse = async (): Promise<never> => {
    throw new UserFacingError(READ_ONLY_ON_POSTGRES);
  };
  const handlers = Object.fromEntries(WRITER_METHODS.map((method) => [method, refuse])) as unknown as ServiceWriter['handlers'];
  return {
    handlers: {
      ...handlers,
      async session(_args, actor) {
        const claims = (await settingsOf(engine)).get('claims') ?? null;
        return {
          moderator: actor.name,
          suggestedModerator: userInfo().username,
          pseudonymSalt: salt,
          role: actor.role,
          // What this desk can do here: read. The desk hides what it cannot.
          permissions: ['read'],
          team: false,
          claims: isClaimsMode(claims) ? claims : DEFAULT_CLAIMS_MODE,
        };
      },
    },
    localActor,
    importFiles: refuse,
    exportCsv: refuse,
  };
}
