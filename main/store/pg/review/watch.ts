// The review store's watch part over PostgreSQL (api/pgReviewStore.ts registers it): the watchlist
// and its matching (watchlist.ts), saved searches (savedSearches.ts) and review marks (roomReview.ts),
// each doing what SQLite's store function of the same name does.
import type { ReviewStore } from '../../../api/reviewStore.js';
import { checkExistingEntriesIn } from '../../../api/watchAlerts.js';
import type { PgEngine } from '../engine.js';
import { markRoomReviewed, undoRoomReview } from './roomReview.js';
import { deleteSavedSearch, openSavedSearch, saveSearch } from './savedSearches.js';
import { addWatchTerms, pgWatchRecords, removeWatchTerm, watchMatches } from './watchlist.js';

type WatchMethod =
  | 'addWatchTerms'
  | 'removeWatchTerm'
  | 'checkExistingEntries'
  | 'watchMatches'
  | 'saveSearch'
  | 'openSavedSearch'
  | 'deleteSavedSearch'
  | 'markRoomReviewed'
  | 'undoRoomReview';

export function watchChanges(engine: PgEngine): Pick<ReviewStore, WatchMethod> {
  const records = pgWatchRecords(engine);
  return {
    addWatchTerms: (text, moderator) => addWatchTerms(engine, text, moderator),
    removeWatchTerm: (id, moderator) => removeWatchTerm(engine, id, moderator),
    // The same rounds as SQLite's (api/watchAlerts.ts): found through the watchHits read, recorded in parts, one audit row.
    checkExistingEntries: (reads, moderator, termId) => checkExistingEntriesIn(records, reads, moderator, termId),
    watchMatches: (options) => watchMatches(engine, options),
    saveSearch: (name, query, moderator) => saveSearch(engine, name, query, moderator),
    openSavedSearch: (id, moderator) => openSavedSearch(engine, id, moderator),
    deleteSavedSearch: (id, moderator) => deleteSavedSearch(engine, id, moderator),
    markRoomReviewed: (room, moderator, upTo, seen, domain) => markRoomReviewed(engine, room, moderator, upTo, seen, domain),
    undoRoomReview: (room, moderator, domain) => undoRoomReview(engine, room, moderator, domain),
  };
}
