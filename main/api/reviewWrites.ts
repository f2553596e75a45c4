// The review workflow's writes, on the writer's connection: each records who made it (the actor:
// an account, the local moderator, the operator) and tells the desks what changed. Writes on what
// another moderator may have changed meanwhile (a decision, a claim, a tag taken off, a note
// edited, a review mark) carry the version the desk saw; the store refuses a stale one.
import { userInfo } from 'node:os';
import { can, ForbiddenError, ROLE_PERMISSIONS, type Actor } from '../../shared/access.js';
import type { ApiArgs, ApiEvent, ApiMethod, ApiValue } from '../../shared/api.js';
import type { DeskSession } from '../../shared/review.js';
import { isClaimsMode, isReportStatus } from '../../shared/review.js';
import type { ReportActor } from '../store/claims.js';
import { ReviewError } from '../store/tags.js';
import type { ReviewStore } from './reviewStore.js';
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
  store: ReviewStore,
  reads: ReadRunner,
  emit: (event: ApiEvent, audience?: string) => void,
  team: boolean,
): { [M in ReviewWriteMethod]: Handler<M> } {
  const changed = () => emit({ type: 'reviewChanged' });
  const session = async (actor: Actor): Promise<DeskSession> => {
    const facts = await store.deskFacts();
    return {
      moderator: actor.via === 'account' ? actor.name : facts.givenName,
      suggestedModerator: userInfo().username,
      pseudonymSalt: facts.pseudonymSalt,
      role: actor.role,
      permissions: ROLE_PERMISSIONS[actor.role],
      team,
      claims: facts.claims,
    };
  };
  // A write's failure is a rejected call like any other; a write that succeeded tells the UI.
  const write = async <T>(run: () => T | Promise<T>): Promise<T> => {
    const value = await run();
    changed();
    return value;
  };
  // A report's claim or status changed: desks read the queue and that report again, nothing else.
  const reportWrite = async <T extends { id: number; version: number }>(run: () => Promise<T>): Promise<T> => {
    const value = await run();
    emit({ type: 'reportChanged', id: value.id, version: value.version });
    return value;
  };
  return {
    session: (_args, actor) => session(actor),
    setModerator: ({ name }, actor) =>
      write(async () => {
        if (team) throw new ReviewError("on a team server a moderator's name is their account's");
        if (process.env['OMV_MODERATOR']?.trim())
          throw new ReviewError('$OMV_MODERATOR names the moderator of this setup: change it there');
        const clean = text(name, 'a name').trim();
        if (clean === '' || clean.length > 80) throw new ReviewError('a moderator name is 1 to 80 characters');
        await store.nameModerator(clean, actor.name);
        return session(store.localActor());
      }),
    setReportStatus: (args, actor) =>
      reportWrite(() => {
        if (!isReportStatus(args.status)) throw new ReviewError(`no status "${String(args.status)}"`);
        return store.setReportStatus({
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
        store.claimReport({
          id: Number(args.id),
          actor: reportActor(actor),
          version: version(args.version),
          takeOver: args.takeOver === true,
        }),
      ),
    releaseReport: (args, actor) =>
      reportWrite(() => store.releaseReport({ id: Number(args.id), actor: reportActor(actor), version: version(args.version) })),
    assignReport: (args, actor) =>
      reportWrite(() =>
        store.assignReport({ id: Number(args.id), actor: reportActor(actor), to: text(args.to, 'a name'), version: version(args.version) }),
      ),
    setClaimsMode: ({ mode }, actor) =>
      write(() => {
        if (!isClaimsMode(mode)) throw new ReviewError(`claims are off, optional or required, not "${String(mode)}"`);
        return store.setClaimsMode(mode, actor.name);
      }),
    createTag: ({ name, colour, hold }, actor) =>
      write(() => {
        // A hold keeps entries from purges: making one needs "assign", as setTagHold does.
        if (hold === true && !can(actor, 'assign'))
          throw new ForbiddenError(`${actor.name} (${actor.role}) may not do that: a tag that is a hold needs the "assign" permission`);
        return store.createTag({ name: text(name, 'a tag name'), colour: text(colour, 'a colour'), hold: hold === true }, actor.name);
      }),
    setTagHold: ({ name, hold }, actor) => write(() => store.setTagHold(text(name, 'a tag name'), hold === true, actor.name)),
    tag: ({ tag, target, ids, filter, remove, linkedAt }, actor) =>
      write(async () => {
        const name = text(tag, 'a tag name');
        if (filter !== undefined && ids === undefined)
          return store
            .tagAllMatching(reads, name, cleanFilter(filter), actor.name, (batch, finished) =>
              emit(
                { type: 'tagProgress', batch: batch.id, tag: batch.tag, done: batch.tagged, of: batch.planned, finished, undo: false },
                actor.name,
              ),
            )
            .then((batch) => ({ changed: batch.tagged, batch: batch.id }));
        return {
          changed: await store.tagTargets(
            name,
            cleanTarget(target),
            cleanIds(ids),
            actor.name,
            remove === true,
            version(linkedAt),
            can(actor, 'assign'),
          ),
        };
      }),
    addNote: async ({ target, targetId, text: body }, actor) => {
      const on = cleanTarget(target);
      // An id that is no whole number names nothing (SQLite failed inside on "x", and kept a note on Infinity).
      if (!Number.isSafeInteger(targetId)) throw new ReviewError(`there is no ${on} ${String(targetId)}: nothing was changed`);
      const note = await store.addNote(on, targetId, text(body, 'a note'), actor.name);
      emit({ type: 'notesChanged', target: note.target, targetId: note.targetId });
      return note;
    },
    editNote: async (args, actor) => {
      const seen = version(args.version);
      if (seen === undefined) throw new ReviewError('an edit names the version of the note it was made on');
      const note = await store.editNote({ id: Number(args.id), text: text(args.text, 'a note'), version: seen, actor: reportActor(actor) });
      emit({ type: 'notesChanged', target: note.target, targetId: note.targetId });
      return note;
    },
    markReviewed: ({ room, domain, upTo, version: seen }, actor) =>
      write(() =>
        store.markRoomReviewed(
          text(room, 'a room'),
          actor.name,
          Number.isFinite(upTo) ? upTo : undefined,
          version(seen),
          domain === undefined ? undefined : text(domain, 'a domain'),
        ),
      ),
    undoMarkReviewed: ({ room, domain }, actor) =>
      write(async () => ({
        reviewedTo: (
          await store.undoRoomReview(text(room, 'a room'), actor.name, domain === undefined ? undefined : text(domain, 'a domain'))
        ).reviewedTo,
      })),
    undoTagAll: ({ batch }, actor) =>
      write(async () => {
        const id = Number(batch);
        const { removed } = await store.undoTagAll(
          id,
          actor.name,
          (p) =>
            emit({ type: 'tagProgress', batch: id, tag: p.tag, done: p.removed, of: p.links, finished: p.done, undo: true }, actor.name),
          can(actor, 'assign'),
        );
        return { removed };
      }),
    addWatchTerms: ({ text: terms }, actor) => write(async () => ({ added: await store.addWatchTerms(text(terms, 'terms'), actor.name) })),
    removeWatchTerm: ({ id }, actor) => write(() => store.removeWatchTerm(Number(id), actor.name)),
    checkWatchExisting: ({ id }, actor) =>
      write(async () => ({ found: await store.checkExistingEntries(reads, actor.name, id === undefined ? undefined : Number(id)) })),
    watchMatches: ({ markSeen }, actor) => write(() => store.watchMatches({ markSeen: markSeen === true, moderator: actor.name })),
    saveSearch: ({ name, query }, actor) => write(() => store.saveSearch(text(name, 'a name'), text(query, 'a query'), actor.name)),
    openSavedSearch: ({ id }, actor) => write(async () => ({ query: await store.openSavedSearch(Number(id), actor.name) })),
    deleteSavedSearch: ({ id }, actor) =>
      write(async () => {
        await store.deleteSavedSearch(Number(id), actor.name);
        // The list with each one's new matches: counting is a search, so it runs as a read.
        return reads('savedSearches', {});
      }),
  };
}
