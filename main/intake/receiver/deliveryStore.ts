// Where the receiver puts what it received: SQLite's group commit (groupCommit.ts) or PostgreSQL's
// writes (store/pg/writes.ts). The receiver answers 200 only once receiveAll has resolved, that is
// once the store committed the deliveries (and, on PostgreSQL with a synchronous standby, once the
// standby has them); a rejection is answered 503 and the vendor sends again.
import type { ParsedPayload } from '../../../shared/payload.js';
import type { DeliveryMeta, StoreOutcome } from '../../store/deliveries.js';

export interface DeliveryStore {
  /** Stores the deliveries of one request together, all of them or none; outcomes in order. */
  receiveAll(deliveries: ReadonlyArray<{ meta: DeliveryMeta; parsed: ParsedPayload }>): Promise<StoreOutcome[]>;
  /**
   * A delivery's body has arrived and is being parsed: a store that sizes its groups by what is
   * on the way waits for it. The returned function is called once it was submitted or never will be.
   */
  expect?(): () => void;
  /** The receiver is closing (its deliveries are answered): background work stops. */
  stop?(): void;
}
