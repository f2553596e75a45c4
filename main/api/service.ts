// The UI's API, implemented once. Reads go to a ReadRunner (in the app: worker threads with a
// time limit, see queryPool.ts); the one call that writes runs here. Electron IPC and browser
// mode's HTTP both call these functions; neither adds behaviour of its own.
import type { ApiMethod, OmvApi } from '../../shared/api.js';
import { retryQuarantined } from '../quarantine.js';
import type { Db } from '../store/db.js';
import type { ReadRunner } from './readCalls.js';

export { cleanFilter } from './readCalls.js';

/** What main answers: the contract's values, after awaiting. */
export type OmvService = { [M in ApiMethod]: (args: Parameters<OmvApi[M]>[0]) => Promise<ReturnType<OmvApi[M]>> };

export function createService(reads: ReadRunner, db: Db, receiver: { callbackUrl: () => string | null }): OmvService {
  return {
    rooms: (args) => reads('rooms', args),
    timeline: (args) => reads('timeline', args),
    search: (args) => reads('search', args),
    context: (args) => reads('context', args),
    userActivity: (args) => reads('userActivity', args),
    histogram: (args) => reads('histogram', args),
    quarantine: (args) => reads('quarantine', args),
    quarantinePayload: (args) => reads('quarantinePayload', args),

    async receiverStatus() {
      const startOfDay = new Date();
      startOfDay.setHours(0, 0, 0, 0);
      const counters = await reads('receiverCounters', { since: startOfDay.getTime() });
      return {
        callbackUrl: receiver.callbackUrl(),
        lastDeliveryAt: counters.lastDeliveryAt,
        deliveriesToday: counters.deliveriesSince,
        quarantined: counters.quarantined,
        entries: counters.entries,
      };
    },

    async retryQuarantined({ id }) {
      const results = await retryQuarantined(db, id === undefined ? undefined : Number(id));
      return results.map((r) => (r.status === 'stored' ? { id: r.id, status: r.status } : { id: r.id, status: r.status, reason: r.reason }));
    },
  };
}
