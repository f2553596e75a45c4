// The API, implemented once, for every caller: the desktop app's IPC, browser mode's and the team
// server's HTTP, the command line. Each call is made by an actor and checked against the
// permission the contract names for it (shared/api.ts CALLS). Reads go to a ReadRunner (in the
// app: query hosts with a time limit, see queryPool.ts); the calls that write run here. The two
// calls that carry files take what their transport brings: paths main can read, a stream to write to.
import { writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { can, ForbiddenError, type Actor } from '../../shared/access.js';
import {
  CALLS,
  type ApiArgs,
  type ApiMethod,
  type ApiValue,
  type ExportResult,
  type ImportFileResult,
  type PlainMethod,
} from '../../shared/api.js';
import { UserFacingError } from '../../shared/userFacingError.js';
import { purgeBefore } from '../retention/purge.js';
import { localActor } from './actors.js';
import { errorMessage } from '../../shared/errorMessage.js';
import { apiErrorMessage } from './apiError.js';
import { exportInWorker } from '../export/entryExport.js';
import { hashedOutput, manifestJson, recordExport, recordExportFailure, recordExportStart } from '../export/manifest.js';
import { importFile } from '../intake/fileImport.js';
import { retryQuarantined } from '../intake/quarantineRetry.js';
import { auditImport } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { reportedExport, type EventHub } from './events.js';
import { Presence } from './presence.js';
import { cleanFilter, type ReadRunner } from './readCalls.js';
import { reviewWrites } from './reviewWrites.js';
import { pseudonymSalt } from '../store/settings.js';

/** Where an export goes: a file main writes (and its manifest beside it), or a download. */
export interface ExportTarget {
  path: string | null;
  name: string;
}

type Handler<M extends ApiMethod> = (args: ApiArgs<M>, actor: Actor) => Promise<ApiValue<M>>;
/** One implementation for every plain call: a call without one does not compile. */
type PlainHandlers = { [M in PlainMethod]: Handler<M> };

/**
 * The one application layer: every call of the contract, made by an actor. A call is refused
 * (ForbiddenError, 403 on HTTP) unless the actor's role has the permission CALLS names for it;
 * then it runs, and what it writes is recorded under the actor's name.
 */
export interface OmvService {
  call<M extends PlainMethod>(actor: Actor, method: M, args: ApiArgs<M>): Promise<ApiValue<M>>;
  importFiles(actor: Actor, args: ApiArgs<'importFiles'>): Promise<ImportFileResult[]>;
  /** Streams the CSV into `out`: to a file at `target.path` (its manifest is written beside it), or a download named `target.name`. */
  exportCsv(actor: Actor, args: ApiArgs<'exportCsv'>, out: Writable, target: ExportTarget): Promise<ExportResult>;
  /** This machine's own moderator: the actor of the desktop app and of browser mode on one machine. */
  localActor(): Actor;
}

// A call the actor's role does not allow (shared, since the store refuses moves within a call too: deciding another's claim).
export { ForbiddenError };

export function authorise(actor: Actor, method: ApiMethod): void {
  const needed = CALLS[method].permission;
  if (!can(actor, needed))
    throw new ForbiddenError(`${actor.name} (${actor.role}) may not do that: ${method} needs the "${needed}" permission`);
}

export interface ServiceContext {
  reads: ReadRunner;
  /** The writer's connection (the receiver's): imports and quarantine retries write through it. */
  db: Db;
  events: EventHub;
  receiver: { callbackUrl: () => string | null; problem: () => string | null };
  /** A team server: accounts sign in, and names are theirs. */
  team?: boolean;
}

export function createService({ reads, db, events, receiver, team = false }: ServiceContext): OmvService {
  const presence = new Presence((event) => events.emit(event));
  /** The exports under way, by whose they are, each stopped by its controller (cancelExport). */
  const exporting = new Map<string, Set<AbortController>>();
  // Desks that fell silent are noticed within a few seconds even when no other desk calls.
  setInterval(() => presence.sweep(), 5000).unref();
  const plain: PlainHandlers = {
    rooms: (args) => reads('rooms', args),
    timeline: (args) => reads('timeline', args),
    search: (args) => reads('search', args),
    searchPage: (args) => reads('searchPage', args),
    countEntries: (args) => reads('countEntries', args),
    roomSuggestions: (args) => reads('roomSuggestions', args),
    timeBounds: (args) => reads('timeBounds', args),
    mentionedUsers: (args) => reads('mentionedUsers', args),
    resolvePseudonyms: (args) => reads('resolvePseudonyms', args),
    context: (args) => reads('context', args),
    userActivity: (args) => reads('userActivity', args),
    userRecord: (args) => reads('userRecord', args),
    presence: (args) => reads('presence', args),
    connectionSnapshots: (args) => reads('connectionSnapshots', args),
    connectionSnapshot: (args) => reads('connectionSnapshot', args),
    histogram: (args) => reads('histogram', args),
    quarantine: (args) => reads('quarantine', args),
    quarantinePayload: (args) => reads('quarantinePayload', args),
    reports: (args) => reads('reports', args),
    reportCounts: (args) => reads('reportCounts', args),
    report: (args) => reads('report', args),
    tags: (args) => reads('tags', args),
    reviews: (args) => reads('reviews', args),
    notes: (args) => reads('notes', args),
    watchTerms: (args) => reads('watchTerms', args),
    watchlistText: (args) => reads('watchlistText', args),
    savedSearches: (args) => reads('savedSearches', args),
    audit: (args) => reads('audit', args),
    moderators: (args) => reads('moderators', args),
    ...reviewWrites(db, reads, (event, audience) => events.emit(event, audience), team),
    reportPresence: async ({ id, desk, open }, actor) => presence.beat(Number(id), actor.name, desk, open !== false),

    async receiverStatus(_args, actor) {
      const startOfDay = new Date();
      startOfDay.setHours(0, 0, 0, 0);
      const counters = await reads('receiverCounters', { since: startOfDay.getTime() });
      const url = receiver.callbackUrl();
      return {
        // The callback's secret is for whoever gives the vendor its URL: on a team server, the admins.
        callbackUrl: url !== null && team && !can(actor, 'manageUsers') ? url.replace(/\/callback\/[^/?#]+/, '/callback/…') : url,
        problem: receiver.problem(),
        lastDeliveryAt: counters.lastDeliveryAt,
        deliveriesToday: counters.deliveriesSince,
        quarantined: counters.quarantined,
        entries: counters.entries,
        alerts: counters.alerts,
        openReports: counters.openReports,
      };
    },

    async retryQuarantined({ id }, actor) {
      const results = await retryQuarantined(db, id === undefined ? undefined : Number(id), actor.name);
      return results.map((r) =>
        r.status === 'stored' ? { id: r.id, status: r.status } : { id: r.id, status: r.status, reason: r.reason },
      );
    },

    async cancelExport(_args, actor) {
      const mine = exporting.get(actor.name);
      for (const cancel of mine ?? []) cancel.abort();
      return (mine?.size ?? 0) > 0;
    },

    async purge({ before, dryRun }, actor) {
      if (!Number.isFinite(before)) throw new UserFacingError('a purge needs a date: remove what is older than when?');
      const result = await purgeBefore(db, Number(before), { moderator: actor.name, dryRun: dryRun === true });
      if (!dryRun && result.removed > 0) events.emit({ type: 'reviewChanged' });
      return result;
    },
  };

  return {
    call: async <M extends PlainMethod>(actor: Actor, method: M, args: ApiArgs<M>): Promise<ApiValue<M>> => {
      authorise(actor, method);
      const handler = plain[method] as unknown as Handler<M>;
      return handler(args, actor);
    },
    localActor: () => localActor(db),

    async importFiles(actor, { files }) {
      authorise(actor, 'importFiles');
      const results: ImportFileResult[] = [];
      for (const { path, name } of files) {
        try {
          const r = await importFile(db, path, {
            onProgress: (p) =>
              events.emit(
                { type: 'importProgress', name, bytesRead: p.bytesRead, totalBytes: p.totalBytes, entries: p.entries },
                actor.name,
              ),
          });
          // The moderator knows the file by its name, not by where main read it (an upload's spool).
          results.push({ name, status: r.status, entries: r.entries, newEntries: r.newEntries, error: r.error?.replace(path, name) });
          auditImport(db, actor.name, {
            file: name,
            status: r.status,
            entries: r.entries,
            newEntries: r.newEntries,
            deliveryId: r.deliveryId,
          });
        } catch (error) {
          results.push({
            name,
            status: 'failed',
            entries: 0,
            newEntries: 0,
            error: apiErrorMessage(error, 'importFiles').replace(path, name),
          });
        }
      }
      const added = results.reduce((n, r) => n + r.newEntries, 0);
      if (added > 0) events.emit({ type: 'entriesAdded', count: added, rooms: [] });
      return results;
    },

    async exportCsv(actor, { filter, query, withReview, pseudonymous }, out, target) {
      authorise(actor, 'exportCsv');
      const details = {
        format: 'csv' as const,
        query: query ?? null,
        filter: cleanFilter(filter),
        withReview: withReview === true,
        ids: pseudonymous === true ? ('pseudonymous' as const) : ('real' as const),
      };
      const moderator = actor.name;
      // Recorded before the first byte leaves: an export cut short is in the trail too.
      const started = recordExportStart(db, target.path ?? `download ${target.name}`, { ...details, moderator });
      const hashed = hashedOutput(out);
      let written = 0;
      // Its own moderator's to cancel (cancelExport): a team's other exports are theirs.
      const cancel = new AbortController();
      const mine = exporting.get(actor.name) ?? new Set<AbortController>();
      exporting.set(actor.name, mine.add(cancel));
      try {
        const manifest = await reportedExport(
          events,
          actor.name,
          // On a worker thread: the receiver on this thread keeps answering during a long export.
          (onProgress, onTotal) =>
            exportInWorker(db.name, details.filter, hashed.stream, {
              onProgress: (rows) => onProgress((written = rows)),
              onTotal,
              withReview: details.withReview,
              signal: cancel.signal,
              ...(details.ids === 'pseudonymous' ? { pseudonymSalt: pseudonymSalt(db) } : {}),
            }),
          async (rows) => {
            written = rows;
            hashed.stream.end();
            await finished(hashed.stream);
            const made = recordExport(db, target.name, hashed.sha256(), { ...details, rows, moderator }, started);
            if (target.path) await writeFile(`${target.path}.manifest.json`, manifestJson(made));
            return made;
          },
        );
        return { rows: manifest.rows, destination: target.path, manifest };
      } catch (error) {
        recordExportFailure(db, started, written, errorMessage(error), moderator);
        throw error;
      } finally {
        mine.delete(cancel);
        if (mine.size === 0) exporting.delete(actor.name);
      }
    },
  };
}
