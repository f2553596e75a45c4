// The service's writer over a PostgreSQL store: the review workflow's changes through the same
// reviewWrites.ts as on SQLite, over PostgreSQL's review store (pgReviewStore.ts). What is not
// built on PostgreSQL yet — imports, exports and purges from the desk, quarantine retries — is
// refused with the reason, and the desk's session leaves those permissions out, so the desk does
// not offer them (the CLI's omv import/export/purge --store do them).
import type { Permission } from '../../shared/access.js';
import { UserFacingError } from '../../shared/userFacingError.js';
import type { PgEngine } from '../store/pg/engine.js';
import type { EventHub } from './events.js';
import { pgReviewStore } from './pgReviewStore.js';
import type { ReadRunner } from './readCalls.js';
import { reviewWrites } from './reviewWrites.js';
import type { ServiceWriter } from './service.js';

export const NOT_FROM_THE_DESK_ON_POSTGRES =
  'on a PostgreSQL store, imports, exports, purges and quarantine retries are not made from the desk yet (issue #19): ' +
  'use omv import, omv export or omv purge with --store on the command line';

/** What the desk on PostgreSQL does not offer yet: the permissions whose calls are refused here. */
const NOT_HERE: readonly Permission[] = ['import', 'export', 'purge'];

export async function pgDeskWriter(
  engine: PgEngine,
  { reads, events, team = false }: { reads: ReadRunner; events: EventHub; team?: boolean },
): Promise<ServiceWriter> {
  const store = await pgReviewStore(engine);
  const refuse = async (): Promise<never> => {
    throw new UserFacingError(NOT_FROM_THE_DESK_ON_POSTGRES);
  };
  const review = reviewWrites(store, reads, (event, audience) => events.emit(event, audience), team);
  return {
    handlers: {
      ...review,
      session: async (args, actor) => {
        const session = await review.session(args, actor);
        return { ...session, permissions: session.permissions.filter((permission) => !NOT_HERE.includes(permission)) };
      },
      retryQuarantined: refuse,
      purge: refuse,
    },
    localActor: () => store.localActor(),
    importFiles: refuse,
    exportCsv: refuse,
  };
}
