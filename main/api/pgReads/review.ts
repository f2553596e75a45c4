// The desk's review reads over PostgreSQL: the tags, what carries them and their notes, the
// watchlist (its terms, its file, and watch matching's searches), the saved searches with their
// new matches. store/pg/desk/ holds their SQL; here is what readCalls.ts does around them:
// untrusted arguments cleaned alike.
import type { AsyncReadCalls, PgReadContext } from '../pgReadCalls.js';
import { cleanIds, cleanTarget } from '../readCalls.js';
import { notesOf } from '../../store/pg/desk/notes.js';
import { listSavedSearches } from '../../store/pg/desk/savedSearches.js';
import { listTags, reviewsOf } from '../../store/pg/desk/tags.js';
import { findWatchHits, listWatchTerms, watchlistText } from '../../store/pg/desk/watchlist.js';

type ReviewReadMethod = 'tags' | 'reviews' | 'notes' | 'watchTerms' | 'watchlistText' | 'savedSearches' | 'watchHits';

export function reviewReads({ reader }: PgReadContext): Pick<AsyncReadCalls, ReviewReadMethod> {
  return {
    tags: () => listTags(reader),

    // cleanTarget throws (a UserFacingError) before any query, as the SQLite call does.
    reviews: async ({ target, ids }) => reviewsOf(reader, cleanTarget(target), cleanIds(ids)),

    notes: async ({ target, targetId }) => notesOf(reader, cleanTarget(target), Number(targetId)),

    watchTerms: () => listWatchTerms(reader),

    watchlistText: () => watchlistText(reader),

    savedSearches: () => listSavedSearches(reader),

    watchHits: async ({ terms, after, upTo, everything }) => findWatchHits(reader, terms, Number(after), Number(upTo), everything === true),
  };
}
