// Group commit: the deliveries that arrive together are written in one transaction, each in its
// own savepoint, so a synchronous (power-safe) commit is paid once per group instead of once per
// delivery — and their content is indexed once for the group, after the savepoints (each job is
// handed the store options that leave indexing to the group). Every job's promise settles only
// after the COMMIT has returned — or failed, in which case every job of the group fails and the
// receiver answers 503 so the vendor retries.
//
// A group is sized by what is waiting, not by a timer: a delivery whose body has arrived is
// announced (expect()) before it is parsed on a parser thread, and a group is committed once every
// announced delivery has been submitted — or at once when nothing more is on its way. So the
// deliveries of a burst share one commit, while a lone delivery is committed without a wait. A
// parse that takes long (a large payload) holds a group back by at most MAX_WAIT_MS.
//
// Between groups, when nothing is waiting, the full-text index is merged a bounded step at a time
// (store/indexMerging.ts), so that no delivery's commit is the one that rewrites the whole index.
import type { ParsedPayload } from '../../../shared/payload.js';
import type { Db } from '../../store/db.js';
import { storeDelivery, type DeliveryMeta, type StoreOutcome } from '../../store/deliveries.js';
import { leaveMergingToSteps, mergeStep } from '../../store/indexMerging.js';
import { indexContentAfter, newestEntryId } from '../../store/payloadWriter.js';
import type { DeliveryStore } from './deliveryStore.js';

/** What a job is told: store with these options (the group indexes the content itself). */
export const IN_GROUP = { deferIndexing: true } as const;

/** The longest a submitted delivery waits for the others announced with it (ms). */
const MAX_WAIT_MS = 10;
/** The most deliveries in one commit: a group's answers wait for all of its writes. */
const MAX_GROUP = 200;
/** The pause between merge steps of the full-text index (ms): the writer is free most of that time. */
const MERGE_PAUSE_MS = 50;

interface Job<T> {
  run: (options: typeof IN_GROUP) => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit implements DeliveryStore {
  private queue: Job<unknown>[] = [];
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  /** Deliveries announced and not yet submitted (or given up). */
  private expected = 0;
  private mergeTimer: NodeJS.Timeout | null = null;
  /** Whether FTS5's merge-at-once is left to a backlog yet (set with the first step that gets the writer). */
  private mergingLeftToSteps = false;
  private stopped = false;

  constructor(readonly db: Db) {
    // What an import left to merge (it merges as it writes, but leaves the rest to the next writer) is merged from the start.
    this.mergeSoon();
  }

  /** No more merge steps (the receiver is closing; its deliveries are answered already). */
  stop(): void {
    this.stopped = true;
    if (this.mergeTimer) clearTimeout(this.mergeTimer);
    this.mergeTimer = null;
  }

  /**
   * A delivery is on its way (its body has arrived; it is being parsed): the next group waits for
   * it. Call the returned function once, when it has been submitted or will not be.
   */
  expect(): () => void {
    this.expected += 1;
    let settled = false;
    return () => {
      if (settled) return;
      settled = true;
      this.expected -= 1;
      if (this.queue.length > 0) this.schedule();
    };
  }

  /** A request's deliveries in one savepoint of the next group: all of them stored, or none. */
  receiveAll(deliveries: ReadonlyArray<{ meta: DeliveryMeta; parsed: ParsedPayload }>): Promise<StoreOutcome[]> {
    const { db } = this;
    return this.submit((options) => db.transaction(() => deliveries.map(({ meta, parsed }) => storeDelivery(db, meta, parsed, options)))());
  }

  submit<T>(run: (options: typeof IN_GROUP) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject } as Job<unknown>);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    // Everything announced is here (or the group is full): commit on the next turn, which lets the
    // deliveries submitted in this one join. Otherwise wait for the rest, a little at most.
    if (this.expected <= 0 || this.queue.length >= MAX_GROUP) {
      this.scheduled = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      setImmediate(() => this.flush());
    } else this.timer ??= setTimeout(() => ((this.timer = null), this.flushNow()), MAX_WAIT_MS);
  }

  private flushNow(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.flush();
  }

  private flush(): void {
    this.scheduled = false;
    const jobs = this.queue.splice(0, MAX_GROUP);
    if (this.queue.length > 0) this.schedule();
    if (jobs.length === 0) return;
    let settled: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
    try {
      settled = this.db
        .transaction(() => {
          const indexedUpTo = newestEntryId(this.db);
          const outcomes = jobs.map((job) => {
            try {
              // Nested db.transaction() calls inside run() become savepoints of this transaction.
              return { ok: true as const, value: job.run(IN_GROUP) };
            } catch (error) {
              return { ok: false as const, error };
            }
          });
          indexContentAfter(this.db, indexedUpTo);
          return outcomes;
        })
        .immediate();
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    settled.forEach((outcome, i) => (outcome.ok ? jobs[i]!.resolve(outcome.value) : jobs[i]!.reject(outcome.error)));
    this.mergeSoon();
  }

  /** A step of merging the index after a pause, and more while there is more (the group just written added a segment). */
  private mergeSoon(): void {
    if (this.stopped) return;
    this.mergeTimer ??= setTimeout(() => {
      this.mergeTimer = null;
      if (!this.db.open) return;
      // Deliveries first: the step waits for a moment when none is waiting (and is never taken
      // inside another's transaction, whose rollback would take it along).
      if (this.queue.length > 0 || this.scheduled || this.expected > 0 || this.db.inTransaction) return this.mergeSoon();
      let more: boolean;
      try {
        this.mergingLeftToSteps ||= leaveMergingToSteps(this.db);
        more = mergeStep(this.db) || !this.mergingLeftToSteps;
      } catch {
        more = false; // (a full disk, say: the deliveries say so; merging resumes after the next group)
      }
      if (more) this.mergeSoon();
    }, MERGE_PAUSE_MS).unref();
  }
}
