// Which words are user IDs, and which user a pseudonym stands for, over PostgreSQL: what
// store/userMentions.ts answers over SQLite (user IDs in their bytes' order, as SQLite's BINARY).
import { pseudonymsAmong, wordsOfTexts } from '../../userMentions.js';
import type { ReadPool } from '../connection.js';

/** The words of `texts` that are user IDs (of any domain), in the order of their IDs. */
export async function userIdsIn({ pool }: ReadPool, texts: readonly string[]): Promise<string[]> {
  const words = wordsOfTexts(texts);
  if (words.length === 0) return [];
  const found = await pool.query<{ user_id: string }>(
    'SELECT DISTINCT user_id COLLATE "C" AS user_id FROM users WHERE user_id = ANY($1::text[]) ORDER BY 1',
    [words],
  );
  return found.rows.map((row) => row.user_id);
}

/** The users `names` are the pseudonyms of, under this database's salt (none yet: the empty one, as SQLite's read). */
export async function usersForPseudonyms({ pool }: ReadPool, names: readonly string[]): Promise<Record<string, string>> {
  if (names.length === 0) return {};
  const [salt, users] = await Promise.all([
    pool.query<{ value: string }>("SELECT value FROM settings WHERE key = 'pseudonym_salt'"),
    pool.query<{ user_id: string }>('SELECT DISTINCT user_id COLLATE "C" AS user_id FROM users ORDER BY 1'),
  ]);
  return pseudonymsAmong(
    users.rows.map((row) => row.user_id),
    names,
    salt.rows[0]?.value ?? '',
  );
}
