// Group commit: the deliveries that arrive together are written in one transaction, each in its
// own savepoint, so a synchronous (power-safe) commit is paid once per group instead of once per
// delivery — and their content is indexed once for the group, after the savepoints (each job is
// handed the store options that leave indexing to the group). Every job's promise settles only
// after the COMMIT has returned — or failed, in which case every job of the group fails and the
// receiver answers 503 so the vendor retries.
import type { Db } from '../../store/db.js';
import { indexContentAfter, newestEntryId } from '../../store/payloadWriter.js';

/** What a job is told: store with these options (the group indexes the content itself). */
export const IN_GROUP = { deferIndexing: true } as const;

interface Job<T> {
  run: (options: typeof IN_GROUP) => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit {
  private queue: Job<unknown>[] = [];
  private scheduled = false;

  constructor(readonly db: Db) {}

  submit<T>(run: (options: typeof IN_GROUP) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject } as Job<unknown>);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
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
  }
}
