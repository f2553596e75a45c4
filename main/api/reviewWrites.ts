// The review workflow's writes, on the writer's connection: each records the moderator (set on
// first start, else the operating system's user name) and tells the UI the review changed.
import { userInfo } from 'node:os';
import type { ApiEvent, OmvApi } from '../../shared/api.js';
import type { DeskSession } from '../../shared/review.js';
import { isReportStatus } from '../../shared/review.js';
import { appendAudit } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { addNote } from '../store/notes.js';
import { setReportStatus } from '../store/reports.js';
import { markRoomReviewed, undoRoomReview } from '../store/roomReview.js';
import { deleteSavedSearch, openSavedSearch, saveSearch } from '../store/savedSearches.js';
import { getSetting, pseudonymSalt, setSetting } from '../store/settings.js';
import { createTag, listTags, ReviewError, setTagHold, tagTargets } from '../store/tags.js';
import { addWatchTerms, listWatchTerms, removeWatchTerm, watchMatches } from '../store/watchlist.js';
import { tagAllMatching, undoTagAll } from './bulkTagging.js';
import { checkExistingEntries } from './watchAlerts.js';
import { cleanFilter, cleanIds, cleanTarget, type ReadRunner } from './readCalls.js';

type Async<M extends keyof OmvApi> = (args: Parameters<OmvApi[M]>[0]) => Promise<ReturnType<OmvApi[M]>>;

type ReviewWriteMethod =
  | 'session'
  | 'setModerator'
  | 'setReportStatus'
  | 'createTag'
  | 'setTagHold'
  | 'tag'
  | 'addNote'
  | 'markReviewed'
  | 'undoMarkReviewed'
  | 'undoTagAll'
  | 'addWatchTerms'
  | 'removeWatchTerm'
  | 'checkWatchExisting'
  | 'watchMatches'
  | 'saveSearch'
  | 'openSavedSearch'
  | 'deleteSavedSearch';

/** The moderator's name as set on first start, else as the operator gave it ($OMV_MODERATOR), else none yet. */
function givenModerator(db: Db): string | null {
  return getSetting(db, 'moderator') ?? (process.env['OMV_MODERATOR']?.trim() || null);
}

/** Who is acting: the moderator's name, else the operating system's user name. */
export function moderatorOf(db: Db): string {
  return givenModerator(db) ?? userInfo().username;
}

const text = (value: unknown, what: string) => {
  if (typeof value !== 'string') throw new ReviewError(`${what} must be text`);
  return value;
};

export function reviewWrites(
  db: Db,
  reads: ReadRunner,
  changed: () => void,
  emit: (event: ApiEvent) => void = () => {},
): { [M in ReviewWriteMethod]: Async<M> } {
  const session = (): DeskSession => ({
    moderator: givenModerator(db),
    suggestedModerator: userInfo().username,
    pseudonymSalt: pseudonymSalt(db),
  });
  // A write's failure is a rejected call like any other; a write that succeeded tells the UI.
  const write = async <T>(run: () => T | Promise<T>): Promise<T> => {
    const value = await run();
    changed();
    return value;
  };
  return {
    session: async () => session(),
    setModerator: ({ name }) =>
      write(() => {
        const clean = text(name, 'a name').trim();
        if (clean === '' || clean.length > 80) throw new ReviewError('a moderator name is 1 to 80 characters');
        db.transaction(() => {
          const before = moderatorOf(db);
          if (getSetting(db, 'moderator') === clean) return;
          setSetting(db, 'moderator', clean);
          // Later rows carry the new name: the trail says who it was before, and when it changed.
          appendAudit(db, 'moderator named', clean, { from: before, to: clean });
        })();
        return session();
      }),
    setReportStatus: ({ id, status, reason }) =>
      write(() => {
        if (!isReportStatus(status)) throw new ReviewError(`no status "${String(status)}"`);
        return setReportStatus(db, {
          id: Number(id),
          to: status,
          reason: typeof reason === 'string' ? reason : undefined,
          moderator: moderatorOf(db),
        });
      }),
    createTag: ({ name, colour, hold }) =>
      write(() =>
        createTag(db, { name: text(name, 'a tag name'), colour: text(colour, 'a colour'), hold: hold === true }, moderatorOf(db)),
      ),
    setTagHold: ({ name, hold }) =>
      write(() => {
        setTagHold(db, text(name, 'a tag name'), hold === true, moderatorOf(db));
        return listTags(db);
      }),
    tag: ({ tag, target, ids, filter, remove }) =>
      write(() => {
        const name = text(tag, 'a tag name');
        if (filter !== undefined && ids === undefined)
          return tagAllMatching(db, reads, name, cleanFilter(filter), moderatorOf(db), (batch, finished) =>
            emit({ type: 'tagProgress', batch: batch.id, tag: batch.tag, done: batch.tagged, of: batch.planned, finished, undo: false }),
          ).then((batch) => ({ changed: batch.tagged, batch: batch.id }));
        return { changed: tagTargets(db, name, cleanTarget(target), cleanIds(ids), moderatorOf(db), remove === true) };
      }),
    addNote: ({ target, targetId, text: body }) =>
      write(() => addNote(db, cleanTarget(target), Number(targetId), text(body, 'a note'), moderatorOf(db))),
    undoTagAll: ({ batch }) =>
      write(async () => {
        const id = Number(batch);
        const { removed } = await undoTagAll(db, id, moderatorOf(db), (p) =>
          emit({ type: 'tagProgress', batch: id, tag: p.tag, done: p.removed, of: p.links, finished: p.done, undo: true }),
        );
        return { removed };
      }),
    markReviewed: ({ room, upTo }) =>
      write(() => ({ reviewedTo: markRoomReviewed(db, text(room, 'a room'), moderatorOf(db), Number.isFinite(upTo) ? upTo : undefined) })),
    undoMarkReviewed: ({ room }) => write(() => ({ reviewedTo: undoRoomReview(db, text(room, 'a room'), moderatorOf(db)).reviewedTo })),
    addWatchTerms: ({ text: terms }) => write(() => ({ added: addWatchTerms(db, text(terms, 'terms'), moderatorOf(db)) })),
    removeWatchTerm: ({ id }) =>
      write(() => {
        removeWatchTerm(db, Number(id), moderatorOf(db));
        return listWatchTerms(db);
      }),
    checkWatchExisting: ({ id }) =>
      write(async () => ({ found: await checkExistingEntries(db, reads, moderatorOf(db), id === undefined ? undefined : Number(id)) })),
    watchMatches: ({ markSeen }) => write(() => watchMatches(db, { markSeen: markSeen === true, moderator: moderatorOf(db) })),
    saveSearch: ({ name, query }) => write(() => saveSearch(db, text(name, 'a name'), text(query, 'a query'), moderatorOf(db))),
    openSavedSearch: ({ id }) => write(() => ({ query: openSavedSearch(db, Number(id), moderatorOf(db)) })),
    deleteSavedSearch: ({ id }) =>
      write(() => {
        deleteSavedSearch(db, Number(id), moderatorOf(db));
        // The list with each one's new matches: counting is a search, so it runs as a read.
        return reads('savedSearches', {});
      }),
  };
}
