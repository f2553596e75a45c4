// The API, implemented once, for every caller: the desktop app's IPC, browser mode's and the team
// server's HTTP, the command line. Each call is made by an actor and checked against the
// permission the contract names for it (shared/api.ts CALLS). Reads go to a ReadRunner (in the
// app: query hosts with a time limit, see queryPool.ts); the calls that write go to the store's
// writer (ServiceWriter: sqliteWriter.ts). The two calls that carry files take what their
// transport brings: paths main can read, a stream to write to.
import type { Writable } from 'node:stream';
import { can, ForbiddenError, type Actor } from '../../shared/access.js';
import {
  CALLS,
  type ApiArgs,
  type ApiMethod,
  type ApiValue,
  type ExportResult,
  type ImportFileResult,
  type PlainMethod,
  PLAIN_METHODS,
} from '../../shared/api.js';
import type { EventHub } from './events.js';
import { shareWithNeighbours, type ServerChannel } from './neighbours.js';
import { Presence } from './presence.js';
import type { ReadRunner } from './readCalls.js';

/** Where an export goes: a file main writes (and its manifest beside it), or a download. */
export interface ExportTarget {
  path: string | null;
  name: string;
}

export type Handler<M extends ApiMethod> = (args: ApiArgs<M>, actor: Actor) => Promise<ApiValue<M>>;
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

/** The plain calls the store's writer answers: every call that writes (but cancelExport, which stops one), and `session`, which says who the desk's moderator is. */
export type WriterMethod =
  Exclude<{ [M in PlainMethod]: (typeof CALLS)[M]['writes'] extends true ? M : never }[PlainMethod], 'cancelExport'> | 'session';

/** The writer's plain calls, as a list. */
export const WRITER_METHODS = [
  ...PLAIN_METHODS.filter((method) => CALLS[method].writes && method !== 'cancelExport'),
  'session',
] as WriterMethod[];

/**
 * What writes, for the service: the calls that change the store, this machine's moderator, and
 * the two calls that carry files (authorised by the service before they come here).
 */
export interface ServiceWriter {
  readonly handlers: { [M in WriterMethod]: Handler<M> };
  localActor(): Actor;
  importFiles(actor: Actor, args: ApiArgs<'importFiles'>): Promise<ImportFileResult[]>;
  /** Streams the CSV into `out` until done or `signal` is aborted (cancelExport). */
  exportCsv(actor: Actor, args: ApiArgs<'exportCsv'>, out: Writable, target: ExportTarget, signal: AbortSignal): Promise<ExportResult>;
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
  /** What changes the store: the writer's SQLite connection (sqliteWriter.ts), or PostgreSQL's. */
  writer: ServiceWriter;
  events: EventHub;
  receiver: { callbackUrl: () => string | null; problem: () => string | null };
  /** A team server: accounts sign in, and names are theirs. */
  team?: boolean;
  /** Other servers over the same store, and how to tell them what the desks here hear (api/neighbours.ts). */
  neighbours?: ServerChannel;
}

export function createService({ reads, writer, events, receiver, team = false, neighbours }: ServiceContext): OmvService {
  const presence = new Presence((event) => events.emit(event));
  /** The exports under way here, by whose they are, each stopped by its controller (cancelExport). */
  const exporting = new Map<string, Set<AbortController>>();
  /** Stops `name`'s exports on this server: whether there were any. */
  const cancelExports = (name: string) => {
    const mine = exporting.get(name);
    for (const cancel of mine ?? []) cancel.abort();
    return (mine?.size ?? 0) > 0;
  };
  const others = neighbours ? shareWithNeighbours(neighbours, { events, presence, cancelExports }) : undefined;
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
    ...writer.handlers,
    async reportPresence({ id, desk, open }, actor) {
      const viewers = presence.beat(Number(id), actor.name, desk, open !== false);
      others?.beat({ report: Number(id), name: actor.name, desk, open: open !== false });
      return viewers;
    },

    async receiverStatus(_args, actor) {
      const startOfDay = new Date();
      startOfDay.setHours(0, 0, 0, 0);
      const counters = await reads('receiverCounters', { since: startOfDay.getTime() });
      const url = receiver.callbackUrl();
      return {
        // The callback's secret is for whoever gives the vendor its URL: on a team server, the admins.
        callbackUrl: url !== null && team && !can(actor, 'manageUsers') ? url.replace(/\/callback\/[^/?#\s]+/, '/callback/…') : url,
        problem: receiver.problem(),
        lastDeliveryAt: counters.lastDeliveryAt,
        deliveriesToday: counters.deliveriesSince,
        quarantined: counters.quarantined,
        entries: counters.entries,
        alerts: counters.alerts,
        openReports: counters.openReports,
      };
    },

    // True when one ran here; the other servers over the store stop theirs too.
    async cancelExport(_args, actor) {
      others?.cancelExports(actor.name);
      return cancelExports(actor.name);
    },
  };

  return {
    call: async <M extends PlainMethod>(actor: Actor, method: M, args: ApiArgs<M>): Promise<ApiValue<M>> => {
      authorise(actor, method);
      const handler = plain[method] as unknown as Handler<M>;
      return handler(args, actor);
    },
    localActor: () => writer.localActor(),

    importFiles(actor, args) {
      authorise(actor, 'importFiles');
      return writer.importFiles(actor, args);
    },

    async exportCsv(actor, args, out, target) {
      authorise(actor, 'exportCsv');
      // Its own moderator's to cancel (cancelExport): a team's other exports are theirs.
      const cancel = new AbortController();
      const mine = exporting.get(actor.name) ?? new Set<AbortController>();
      exporting.set(actor.name, mine.add(cancel));
      try {
        return await writer.exportCsv(actor, args, out, target, cancel.signal);
      } finally {
        mine.delete(cancel);
        if (mine.size === 0) exporting.delete(actor.name);
      }
    },
  };
}
