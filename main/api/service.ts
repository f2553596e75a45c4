// The UI's API, implemented once over the database. Electron IPC and browser mode's HTTP both
// call these functions; neither adds behaviour of its own.
import type { ApiMethod, EntryFilter, OmvApi, QuarantinedDelivery, RoomSummary, UserActivity } from '../../shared/api.js';
import { SNIPPET_MARKS } from '../../shared/api.js';
import { retryQuarantined } from '../quarantine.js';
import type { Db } from '../store/db.js';
import { getDelivery, listQuarantined } from '../store/deliveries.js';
import { entryById, entryHistogram, entryPage, searchEntries } from '../store/entryQuery.js';

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
      const rows = db
        .prepare<[string], { name: string; domain_id: string; entry_count: number; last_ts: number | null }>(
          `SELECT name, domain_id, entry_count, last_ts FROM rooms WHERE instr(lower(name), lower(?)) > 0
           ORDER BY last_ts DESC NULLS LAST, name LIMIT 5000`,
        )
        .all(filter ?? '');
      return rows.map((r): RoomSummary => ({ name: r.name, domainId: r.domain_id, entries: r.entry_count, lastActivity: r.last_ts }));
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
      const user = db.prepare<[string], { id: number; display_name: string | null }>('SELECT id, display_name FROM users WHERE user_id = ? ORDER BY id LIMIT 1').get(userId);
      const empty: UserActivity = { userId, displayName: null, firstSeen: null, lastSeen: null, entries: 0, rooms: [], recent: [] };
      if (!user) return empty;
      const summary = db
        .prepare<[number], { first: number | null; last: number | null; n: number }>('SELECT min(ts) AS first, max(ts) AS last, count(*) AS n FROM entries WHERE user_id = ?')
        .get(user.id)!;
      const rooms = db
        .prepare<[number], { name: string; n: number; last: number }>(
          'SELECT r.name, count(*) AS n, max(e.ts) AS last FROM entries e JOIN rooms r ON r.id = e.room_id WHERE e.user_id = ? GROUP BY r.id ORDER BY last DESC',
        )
        .all(user.id);
      return {
        userId,
        displayName: user.display_name,
        firstSeen: summary.first,
        lastSeen: summary.last,
        entries: summary.n,
        rooms: rooms.map((r) => ({ name: r.name, entries: r.n, lastSeen: r.last })),
        recent: entryPage(db, { user: userId }, 200, undefined, 'before').entries,
      };
    },

    histogram({ filter, buckets }) {
      return entryHistogram(db, cleanFilter(filter), Math.max(1, Math.min(500, Math.trunc(buckets) || 100)));
    },

    receiverStatus() {
      const startOfDay = new Date();
      startOfDay.setHours(0, 0, 0, 0);
      const row = db
        .prepare<[number], { last: number | null; today: number; quarantined: number; entries: number }>(
          `SELECT (SELECT max(received_at) FROM deliveries WHERE source = 'callback') AS last,
                  (SELECT count(*) FROM deliveries WHERE source = 'callback' AND received_at >= ?) AS today,
                  (SELECT count(*) FROM deliveries WHERE status = 'quarantined') AS quarantined,
                  (SELECT coalesce(sum(entry_count), 0) FROM rooms) AS entries`,
        )
        .get(startOfDay.getTime())!;
      return { callbackUrl: receiver.callbackUrl(), lastDeliveryAt: row.last, deliveriesToday: row.today, quarantined: row.quarantined, entries: row.entries };
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
