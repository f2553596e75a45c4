// What the review workflow asks of a store: each change in its own transaction with its audit row,
// refused (ReviewError, ConflictError) as the store decides. reviewWrites.ts makes the API's calls
// of it once for both engines — arguments checked, events told — and each engine answers them its
// own way: sqliteReviewStore below over the writer's connection; PostgreSQL's in pgReviewStore.ts.
// The names and arguments are SQLite's store functions' (store/*.ts), without their connection.
import type { Actor } from '../../shared/access.js';
import type { ClaimsMode } from '../../shared/review.js';
import { givenName, localActor } from './actors.js';
import { tagAllMatching, undoTagAll } from './bulkTagging.js';
import { checkExistingEntries } from './watchAlerts.js';
import { appendAudit } from '../store/audit.js';
import { assignReport, claimReport, claimsMode, releaseReport, setClaimsMode } from '../store/claims.js';
import type { Db } from '../store/db.js';
import { addNote, editNote } from '../store/notes.js';
import { setReportStatus } from '../store/reports.js';
import { markRoomReviewed, undoRoomReview } from '../store/roomReview.js';
import { deleteSavedSearch, openSavedSearch, saveSearch } from '../store/savedSearches.js';
import { getSetting, pseudonymSalt, setSetting } from '../store/settings.js';
import { createTag, listTags, setTagHold, tagTargets } from '../store/tags.js';
import { addWatchTerms, listWatchTerms, removeWatchTerm, watchMatches } from '../store/watchlist.js';

/** A store function of SQLite's, as a store of either engine answers it: without the connection, and later. */
type Later<F> = F extends (db: Db, ...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;

export interface ReviewStore {
  /** This machine's own moderator (the desk's actor on one machine). */
  localActor(): Actor;
  /** What a desk's session is told: the moderator the store names ($OMV_MODERATOR first), its pseudonym salt, how reports are claimed. */
  deskFacts(): Promise<{ givenName: string | null; pseudonymSalt: string; claims: ClaimsMode }>;
  /** Names this machine's moderator (`from` is who they were); a name that is already theirs changes nothing. */
  nameModerator(name: string, from: string): Promise<void>;
  setReportStatus: Later<typeof setReportStatus>;
  claimReport: Later<typeof claimReport>;
  releaseReport: Later<typeof releaseReport>;
  assignReport: Later<typeof assignReport>;
  setClaimsMode: Later<typeof setClaimsMode>;
  createTag: Later<typeof createTag>;
  /** Holds (or releases) what a tag marks; answers the tags as listTags has them after. */
  setTagHold(...args: Parameters<Later<typeof setTagHold>>): Promise<ReturnType<typeof listTags>>;
  tagTargets: Later<typeof tagTargets>;
  tagAllMatching: Later<typeof tagAllMatching>;
  undoTagAll: Later<typeof undoTagAll>;
  addNote: Later<typeof addNote>;
  editNote: Later<typeof editNote>;
  markRoomReviewed: Later<typeof markRoomReviewed>;
  undoRoomReview: Later<typeof undoRoomReview>;
  addWatchTerms: Later<typeof addWatchTerms>;
  /** Removes a watch term; answers the terms as listWatchTerms has them after. */
  removeWatchTerm(...args: Parameters<Later<typeof removeWatchTerm>>): Promise<ReturnType<typeof listWatchTerms>>;
  checkExistingEntries: Later<typeof checkExistingEntries>;
  watchMatches: Later<typeof watchMatches>;
  saveSearch: Later<typeof saveSearch>;
  openSavedSearch: Later<typeof openSavedSearch>;
  deleteSavedSearch: Later<typeof deleteSavedSearch>;
}

/** The review store over a SQLite file: the store functions, on the writer's connection. */
export function sqliteReviewStore(db: Db): ReviewStore {
  return {
    localActor: () => localActor(db),
    deskFacts: async () => ({ givenName: givenName(db), pseudonymSalt: pseudonymSalt(db), claims: claimsMode(db) }),
    nameModerator: async (name, from) =>
      db.transaction(() => {
        if (getSetting(db, 'moderator') === name) return;
        setSetting(db, 'moderator', name);
        // Later rows carry the new name: the trail says who it was before, and when it changed.
        appendAudit(db, 'moderator named', name, { from, to: name });
      })(),
    setReportStatus: async (...args) => setReportStatus(db, ...args),
    claimReport: async (...args) => claimReport(db, ...args),
    releaseReport: async (...args) => releaseReport(db, ...args),
    assignReport: async (...args) => assignReport(db, ...args),
    setClaimsMode: async (...args) => setClaimsMode(db, ...args),
    createTag: async (...args) => createTag(db, ...args),
    setTagHold: async (...args) => {
      setTagHold(db, ...args);
      return listTags(db);
    },
    tagTargets: async (...args) => tagTargets(db, ...args),
    tagAllMatching: (...args) => tagAllMatching(db, ...args),
    undoTagAll: (...args) => undoTagAll(db, ...args),
    addNote: async (...args) => addNote(db, ...args),
    editNote: async (...args) => editNote(db, ...args),
    markRoomReviewed: async (...args) => markRoomReviewed(db, ...args),
    undoRoomReview: async (...args) => undoRoomReview(db, ...args),
    addWatchTerms: async (...args) => addWatchTerms(db, ...args),
    removeWatchTerm: async (...args) => {
      removeWatchTerm(db, ...args);
      return listWatchTerms(db);
    },
    checkExistingEntries: (...args) => checkExistingEntries(db, ...args),
    watchMatches: async (...args) => watchMatches(db, ...args),
    saveSearch: async (...args) => saveSearch(db, ...args),
    openSavedSearch: async (...args) => openSavedSearch(db, ...args),
    deleteSavedSearch: async (...args) => deleteSavedSearch(db, ...args),
  };
}
