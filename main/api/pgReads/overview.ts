// The desk's overview reads over PostgreSQL: the room list and the rooms in: may mean, the
// timeline's time bounds, user IDs in texts and pseudonyms read back, a user's activity and
// record, who was there at an entry, the receiver's counters and the ids a filter selects. The
// SQL is in store/pg/desk/ (one module per SQLite store module it answers for); here is what
// readCalls.ts does around it: untrusted arguments cleaned alike.
import type { AsyncReadCalls, PgReadContext } from '../pgReadCalls.js';
import { cleanDomain, cleanFilter, cleanPseudonyms, cleanTexts, textOr } from '../readCalls.js';
import { listRooms, receiverCounters, userActivity } from '../../store/pg/desk/overview.js';
import { presenceAt } from '../../store/pg/desk/presence.js';
import { roomSuggestions } from '../../store/pg/desk/roomMatch.js';
import { matchingIds, timeBounds } from '../../store/pg/desk/timeBounds.js';
import { userIdsIn, usersForPseudonyms } from '../../store/pg/desk/userMentions.js';
import { userRecord } from '../../store/pg/desk/userRecord.js';

type OverviewReadMethod =
  | 'rooms'
  | 'roomSuggestions'
  | 'timeBounds'
  | 'mentionedUsers'
  | 'resolvePseudonyms'
  | 'userActivity'
  | 'userRecord'
  | 'presence'
  | 'receiverCounters'
  | 'matchingIds';

export function overviewReads({ reader, reads }: PgReadContext): Pick<AsyncReadCalls, OverviewReadMethod> {
  return {
    rooms: ({ filter }) => listRooms(reader, textOr(filter)),

    roomSuggestions: ({ text }) => roomSuggestions(reader, textOr(text)),

    timeBounds: ({ filter }) => timeBounds(reader, cleanFilter(filter)),

    mentionedUsers: ({ texts }) => userIdsIn(reader, cleanTexts(texts)),

    resolvePseudonyms: ({ names }) => usersForPseudonyms(reader, cleanPseudonyms(names)),

    userActivity: ({ userId, domain }) => userActivity(reader, reads, String(userId), undefined, cleanDomain(domain)),

    userRecord: ({ userId, domain }) => userRecord(reader, reads, String(userId), cleanDomain(domain)),

    presence: ({ entryId }) => presenceAt(reader, Number(entryId)),

    receiverCounters: ({ since }) => receiverCounters(reader, Number(since) || 0),

    matchingIds: ({ filter }) => matchingIds(reader, cleanFilter(filter)),
  };
}
