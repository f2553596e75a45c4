// Which words of some text are user IDs, and which user a pseudonym stands for: what the desk
// needs to keep real IDs off the screen with pseudonyms on (a note that names someone, an audit
// row's details, a 1:1 room's name) and to read a pseudonym typed into the search box back.
import { pseudonymOf, wordsOf } from '../../shared/pseudonym.js';
import { prepareCached, type Db } from './db.js';

/** The words of `texts` that are user IDs (of any domain), in the order of their IDs. */
export function userIdsIn(db: Db, texts: readonly string[]): string[] {
  const words = wordsOfTexts(texts);
  if (words.length === 0) return [];
  return prepareCached<[string], string>(
    db,
    'SELECT DISTINCT user_id FROM users WHERE user_id IN (SELECT value FROM json_each(?)) ORDER BY user_id',
  )
    .pluck()
    .all(JSON.stringify(words));
}

/** The distinct words of `texts` that could be user IDs. */
export const wordsOfTexts = (texts: readonly string[]): string[] => [
  ...new Set(texts.flatMap((text) => (typeof text === 'string' ? wordsOf(text) : []))),
];

/**
 * The users `names` are the pseudonyms of, under `salt`: every user's pseudonym is made and
 * compared (a pseudonym cannot be turned back; users are tens of thousands, a few milliseconds).
 */
export function usersForPseudonyms(db: Db, names: readonly string[], salt: string): Record<string, string> {
  if (names.length === 0) return {};
  return pseudonymsAmong(db.prepare<[], string>('SELECT DISTINCT user_id FROM users ORDER BY user_id').pluck().iterate(), names, salt);
}

/** The users among `userIds` whose pseudonyms under `salt` are among `names`, by pseudonym (another store reads its users its own way). */
export function pseudonymsAmong(userIds: Iterable<string>, names: readonly string[], salt: string): Record<string, string> {
  const wanted = new Set(names);
  const found: Record<string, string> = {};
  if (wanted.size === 0) return found;
  for (const userId of userIds) {
    const name = pseudonymOf(userId, salt);
    if (wanted.has(name)) found[name] = userId;
  }
  return found;
}
