// Pseudonyms: a user ID shown as a stable stand-in (for screen-sharing, training, an export that
// must not name people). Stable for one database (salted with its own salt), the same wherever
// they are made: the desk, an export, a search typed with them.

/** A short stable hash (cyrb53), as base 36. */
function shortHash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

export function pseudonymOf(userId: string, salt: string): string {
  return `user-${shortHash(`${salt}\u0000${userId}`).slice(0, 6)}`;
}

/** What a pseudonym looks like (what the search box reads back to a user ID). */
export const PSEUDONYM = /^user-[0-9a-z]{1,6}$/;

/** Words as user IDs are written: letters, digits and _ (what a room's name or a note is split into). */
const WORD = /[\p{L}\p{N}_]+/gu;

/** `text` with each word that is one of `userIds` shown by `show` (a 1:1 room's name, a note). */
export function withUsersShown(text: string, userIds: Iterable<string>, show: (userId: string) => string): string {
  const ids = userIds instanceof Set ? (userIds as Set<string>) : new Set(userIds);
  if (ids.size === 0) return text;
  return text.replace(WORD, (word) => (ids.has(word) ? show(word) : word));
}

/** The words of `text` that could be user IDs (to ask which are). */
export const wordsOf = (text: string): string[] => [...new Set(text.match(WORD) ?? [])];
