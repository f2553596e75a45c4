// The UI's API, implemented once over the database. Electron IPC and browser mode's HTTP both
// call these functions; neither adds behaviour of its own.
import type { ApiMethod, EntryFilter, OmvApi, QuarantinedDelivery } from '../../shared/api.js';
import { SNIPPET_MARKS } from '../../shared/api.js';
import { retryQuarantined } from '../quarantine.js';
import type { Db } from '../store/db.js';
import { getDelivery, listQuarantined } from '../store/deliveries.js';
import { entryById, entryHistogram, entryPage, searchEntries } from '../store/entryQuery.js';
import { listRooms, receiverCounters, userActivity } from '../store/overview.js';

/** What main answers: the contract's values, some of them after awaiting. */
export type OmvService = { [M in ApiMethod]: (args: Parameters<OmvApi[M]>[0]) => ReturnType<OmvApi[M]> | Promise<ReturnType<OmvApi[M]>> };

const MAX_PAGE = 1000;

function clampLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_PAGE, Math.trunc(Number(limit) || 50)));
}

/** Drops keys and values a filter does not take: what the UI sends is untrusted input. */
export function cleanFilter(filter: EntryFilter | undefined): EntryFilter {
  const clean: EntryFilter = {};
  if (!filter) return clean;
  for (const key of ['room', 'user', 'type', 'text'] as const) if (typeof filter[key] === 'string' && filter[key] !== '') clean[key] = filter[key];
  for (const key of ['from', 'to'] as const) if (Number.isFinite(filter[key])) clean[key] = filter[key];
  return clean;
}

export function createService(db: Db, receiver: { callbackUrl: () => string | null }): OmvService {
  return {
    rooms({ filter }) {
      return listRooms(db, typeof filter === 'string' ? filter : '');
    },

    timeline({ filter, from, direction, limit }) {
      return entryPage(db, cleanFilter(filter), clampLimit(limit), from, direction === 'before' ? 'before' : 'after');
    },

    search({ filter, limit }) {
      return searchEntries(db, cleanFilter(filter), clampLimit(limit), SNIPPET_MARKS);
    },

    context({ entryId, radius }) {
      const focus = entryById(db, entryId);
      if (!focus) throw new Error(`no entry ${entryId}`);
      const at = { timestamp: focus.timestamp, id: focus.id };
      const n = clampLimit(radius);
      const before = entryPage(db, { room: focus.room }, n, at, 'before').entries;
      const after = entryPage(db, { room: focus.room }, n, at, 'after').entries;
      return { entries: [...before, focus, ...after], focusId: focus.id };
    },

    userActivity({ userId }) {
      return userActivity(db, String(userId));
    },

    histogram({ filter, buckets }) {
      return entryHistogram(db, cleanFilter(filter), Math.max(1, Math.min(500, Math.trunc(buckets) || 100)));
    },

    receiverStatus() {
      const startOfDay = new Date();
      startOfDay.setHours(0, 0, 0, 0);
      const counters = receiverCounters(db, startOfDay.getTime());
      return {
        callbackUrl: receiver.callbackUrl(),
        lastDeliveryAt: counters.lastDeliveryAt,
        deliveriesToday: counters.deliveriesSince,
        quarantined: counters.quarantined,
        entries: counters.entries,
      };
    },

    quarantine() {
      return listQuarantined(db).map(
        (row): QuarantinedDelivery => ({
          id: row.id,
          receivedAt: row.received_at,
          source: row.source,
          function: row.function,
          domainId: row.domain_id,
          callId: row.call_id,
          filePath: row.file_path,
          size: row.payload_size,
          reason: row.error,
        }),
      );
    },

    quarantinePayload({ id }) {
      const row = getDelivery(db, Number(id));
      if (!row || row.status !== 'quarantined') throw new Error(`delivery ${id} is not in quarantine`);
      return row.payload ? new TextDecoder('utf-8').decode(row.payload) : `(the payload is the file ${row.file_path})`;
    },

    async retryQuarantined({ id }) {
      const results = await retryQuarantined(db, id === undefined ? undefined : Number(id));
      return results.map((r) => (r.status === 'stored' ? { id: r.id, status: r.status } : { id: r.id, status: r.status, reason: r.reason }));
    },
  };
}
