// The review workflow's writes, on the writer's connection: each records who made it (the actor:
// an account, the local moderator, the operator) and tells the desks what changed. Writes on what
// another moderator may have changed meanwhile (a decision, a claim, a tag taken off, a note
// edited, a review mark) carry the version the desk saw; the store refuses a stale one.
import { userInfo } from 'node:os';
import { can, ROLE_PERMISSIONS, type Actor } from '../../shared/access.js';
import type { ApiArgs, ApiEvent, ApiMethod, ApiValue } from '../../shared/api.js';
import type { DeskSession } from '../../shared/review.js';
import { isClaimsMode, isReportStatus } from '../../shared/review.js';
import { appendAudit } from '../store/audit.js';
import { assignReport, claimReport, claimsMode, releaseReport, setClaimsMode, type ReportActor } from '../store/claims.js';
import type { Db } from '../store/db.js';
import { addNote, editNote } from '../store/notes.js';
import { setReportStatus } from '../store/reports.js';
import { markRoomReviewed, undoRoomReview } from '../store/roomReview.js';
import { deleteSavedSearch, openSavedSearch, saveSearch } from '../store/savedSearches.js';
import { getSetting, pseudonymSalt, setSetting } from '../store/settings.js';
import { givenName, localActor } from './actors.js';
import { createTag, listTags, ReviewError, setTagHold, tagTargets } from '../store/tags.js';
import { addWatchTerms, listWatchTerms, removeWatchTerm, watchMatches } from '../store/watchlist.js';
import { tagAllMatching, undoTagAll } from './bulkTagging.js';
import { checkExistingEntries } from './watchAlerts.js';
import { cleanFilter, cleanIds, cleanTarget, type ReadRunner } from './readCalls.js';

type Handler<M extends ApiMethod> = (args: ApiArgs<M>, actor: Actor) => Promise<ApiValue<M>>;

type ReviewWriteMethod =
  | 'session'
  | 'setModerator'
  | 'setReportStatus'
  | 'claimReport'
  | 'releaseReport'
  | 'assignReport'
  | 'setClaimsMode'
  | 'editNote'
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

const text = (value: unknown, what: string) => {
  if (typeof value !== 'string') throw new ReviewError(`${what} must be text`);
  return value;
};

/** The version a desk says it saw: a whole number, or none (an older desk). */
function version(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isSafeInteger(value)) throw new ReviewError('a version is a whole number, as the desk was given it');
  return value as number;
}

const reportActor = (actor: Actor): ReportActor => ({ name: actor.name, mayAssign: can(actor, 'assign') });

/** The review workflow's writes, each made by `actor`, whose name the audit trail records; `emit` tells every desk. */
export function reviewWrites(
  db: Db,
  reads: ReadRunner,
  emit: (event: ApiEvent, audience?: string) => void,
  team: boolean,
): { [M in ReviewWriteMethod]: Handler<M> } {
  const changed = () => emit({ type: 'reviewChanged' });
  const session = (actor: Actor): DeskSession => ({
    moderator: actor.via === 'account' ? actor.name : givenName(db),
    suggestedModerator: userInfo().username,
    pseudonymSalt: pseudonymSalt(db),
    role: actor.role,
    permissions: ROLE_PERMISSIONS[actor.role],
    team,
    claims: claimsMode(db),
  });
  // A write's failure is a rejected call like any other; a write that succeeded tells the UI.
  const write = async <T>(run: () => T | Promise<T>): Promise<T> => {
    const value = await run();
    changed();
    return value;
  };
  // A report's claim or status changed: desks read the queue and that report again, nothing else.
  const reportWrite = async <T extends { id: number; version: number }>(run: () => T): Promise<T> => {
    const value = run();
    emit({ type: 'reportChanged', id: value.id, version: value.version });
    return value;
  };
  return {
    session: async (_args, actor) => session(actor),
    setModerator: ({ name }, actor) =>
      write(() => {
        if (team) throw new ReviewError("on a team server a moderator's name is their account's");
        if (process.env['OMV_MODERATOR']?.trim())
          throw new ReviewError('$OMV_MODERATOR names the moderator of this setup: change it there');
        const clean = text(name, 'a name').trim();
        if (clean === '' || clean.length > 80) throw new ReviewError('a moderator name is 1 to 80 characters');
        db.transaction(() => {
          if (getSetting(db, 'moderator') === clean) return;
          setSetting(db, 'moderator', clean);
          // Later rows carry the new name: the trail says who it was before, and when it changed.
          appendAudit(db, 'moderator named', clean, { from: actor.name, to: clean });
        })();
        return session(localActor(db));
      }),
    setReportStatus: (args, actor) =>
      reportWrite(() => {
        if (!isReportStatus(args.status)) throw new ReviewError(`no status "${String(args.status)}"`);
        return setReportStatus(db, {
          id: Number(args.id),
          to: args.status,
          reason: typeof args.reason === 'string' ? args.reason : undefined,
          moderator: actor.name,
          mayAssign: can(actor, 'assign'),
          version: version(args.version),
        });
      }),
    claimReport: (args, actor) =>
      reportWrite(() =>
        claimReport(db, {
          id: Number(args.id),
          actor: reportActor(actor),
          version: version(args.version),
          takeOver: args.takeOver === true,
        }),
      ),
    releaseReport: (args, actor) =>
      reportWrite(() => releaseReport(db, { id: Number(args.id), actor: reportActor(actor), version: version(args.version) })),
    assignReport: (args, actor) =>
      reportWrite(() =>
        assignReport(db, { id: Number(args.id), actor: reportActor(actor), to: text(args.to, 'a name'), version: version(args.version) }),
      ),
    setClaimsMode: ({ mode }, actor) =>
      write(() => {
        if (!isClaimsMode(mode)) throw new ReviewError(`claims are off, optional or required, not "${String(mode)}"`);
        return setClaimsMode(db, mode, actor.name);
      }),
    createTag: ({ name, colour, hold }, actor) =>
      write(() => createTag(db, { name: text(name, 'a tag name'), colour: text(colour, 'a colour'), hold: hold === true }, actor.name)),
    setTagHold: ({ name, hold }, actor) =>
      write(() => {
        setTagHold(db, text(name, 'a tag name'), hold === true, actor.name);
        return listTags(db);
      }),
    tag: ({ tag, target, ids, filter, remove, linkedAt }, actor) =>
      write(() => {
        const name = text(tag, 'a tag name');
        if (filter !== undefined && ids === undefined)
          return tagAllMatching(db, reads, name, cleanFilter(filter), actor.name, (batch, finished) =>
            emit(
              { type: 'tagProgress', batch: batch.id, tag: batch.tag, done: batch.tagged, of: batch.planned, finished, undo: false },
              actor.name,
            ),
          ).then((batch) => ({ changed: batch.tagged, batch: batch.id }));
        return { changed: tagTargets(db, name, cleanTarget(target), cleanIds(ids), actor.name, remove === true, version(linkedAt)) };
      }),
    addNote: async ({ target, targetId, text: body }, actor) => {
      const note = addNote(db, cleanTarget(target), Number(targetId), text(body, 'a note'), actor.name);
      emit({ type: 'notesChanged', target: note.target, targetId: note.targetId });
      return note;
    },
    editNote: async (args, actor) => {
      const seen = version(args.version);
      if (seen === undefined) throw new ReviewError('an edit names the version of the note it was made on');
      const note = editNote(db, { id: Number(args.id), text: text(args.text, 'a note'), version: seen, actor: reportActor(actor) });
      emit({ type: 'notesChanged', target: note.target, targetId: note.targetId });
      return note;
    },
    markReviewed: ({ room, upTo, version: seen }, actor) =>
      write(() => markRoomReviewed(db, text(room, 'a room'), actor.name, Number.isFinite(upTo) ? upTo : undefined, version(seen))),
    undoMarkReviewed: ({ room }, actor) => write(() => ({ reviewedTo: undoRoomReview(db, text(room, 'a room'), actor.name).reviewedTo })),
    undoTagAll: ({ batch }, actor) =>
      write(async () => {
        const id = Number(batch);
        const { removed } = await undoTagAll(db, id, actor.name, (p) =>
          emit({ type: 'tagProgress', batch: id, tag: p.tag, done: p.removed, of: p.links, finished: p.done, undo: true }, actor.name),
        );
        return { removed };
      }),
    addWatchTerms: ({ text: terms }, actor) => write(() => ({ added: addWatchTerms(db, text(terms, 'terms'), actor.name) })),
    removeWatchTerm: ({ id }, actor) =>
      write(() => {
        removeWatchTerm(db, Number(id), actor.name);
        return listWatchTerms(db);
      }),
    checkWatchExisting: ({ id }, actor) =>
      write(async () => ({ found: await checkExistingEntries(db, reads, actor.name, id === undefined ? undefined : Number(id)) })),
    watchMatches: ({ markSeen }, actor) => write(() => watchMatches(db, { markSeen: markSeen === true, moderator: actor.name })),
    saveSearch: ({ name, query }, actor) => write(() => saveSearch(db, text(name, 'a name'), text(query, 'a query'), actor.name)),
    openSavedSearch: ({ id }, actor) => write(() => ({ query: openSavedSearch(db, Number(id), actor.name) })),
    deleteSavedSearch: ({ id }, actor) =>
      write(() => {
        deleteSavedSearch(db, Number(id), actor.name);
        // The list with each one's new matches: counting is a search, so it runs as a read.
        return reads('savedSearches', {});
      }),
  };
}
