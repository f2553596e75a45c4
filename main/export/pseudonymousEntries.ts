// An export that must not name people: each user ID (and the display name beside it) becomes the
// user's pseudonym, as the desk shows it with pseudonyms on (shared/pseudonym.ts, this database's
// salt), and the IDs a room's name holds (a 1:1 room is named after both people) too. The content
// of messages is left as written. The manifest says which kind of IDs an export carries.
import type { EntryRecord } from '../../shared/entryRecord.js';
import { pseudonymOf, withUsersShown } from '../../shared/pseudonym.js';
import type { Db } from '../store/db.js';
import { usersNamedIn } from '../store/overview.js';

export function pseudonymousEntries(db: Db, salt: string): (entry: EntryRecord) => EntryRecord {
  return withPseudonyms(salt, (domainId, room) => usersNamedIn(db, domainId, room));
}

/** A room's key in the caches of the IDs its name holds: its domain and its name. */
export const roomKey = (domainId: string, room: string) => `${domainId}\u0000${room}`;

/** Entries as a pseudonymous export shows them, `namedIn` saying which user IDs a room's name holds (each engine asks its store). */
export function withPseudonyms(salt: string, namedIn: (domainId: string, room: string) => string[]): (entry: EntryRecord) => EntryRecord {
  const rooms = new Map<string, string>();
  const show = (userId: string) => pseudonymOf(userId, salt);
  return (entry) => {
    const key = roomKey(entry.domainId, entry.room);
    let room = rooms.get(key);
    if (room === undefined) {
      room = withUsersShown(entry.room, namedIn(entry.domainId, entry.room), show);
      if (rooms.size > 10_000) rooms.clear();
      rooms.set(key, room);
    }
    const userId = entry.userId === null ? null : show(entry.userId);
    return { ...entry, room, userId, displayName: entry.displayName && userId };
  };
}
