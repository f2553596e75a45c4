// Group commit on PostgreSQL, as intake/receiver/groupCommit.ts does it on SQLite: the deliveries
// that arrive while a group is being written wait and go together into the next transaction, and
// every job's promise settles only after the COMMIT returned — synchronous_commit=on (connection.ts), so the WAL is on
// disk (and on a synchronous standby, when one is configured: connection.ts). A COMMIT that fails, or a session
// lost on the way (the primary went away), fails every job of the group: the receiver answers 503
// and the vendor sends again; nothing was acknowledged that is not stored.
// PostgreSQL runs a session's statements on one of its cores: a group written while another is
// still being written (or waits for its COMMIT to reach the disk) goes on a session of its own, up
// to GROUPS_AT_ONCE at a time. What two groups write at once is kept apart as two servers' writes
// are (the locks on deliveries' content in receipt.ts, the unique keys, the names lock in
// payloadWriter.ts); two that wait on each other (a deadlock PostgreSQL breaks) are written again
// rather than refused. A month's partition is made while no group of ours is open and none opens:
// CREATE TABLE … PARTITION OF waits for every open transaction on entries, and every reader of
// entries waits behind it (partitions.ts). Two groups naming one user with two display names may
// commit in either order, as two servers' may: the user's name is the one committed last.
// A group's deliveries are written together (receipt.ts: a statement or two per table for all of
// them) in one savepoint. Should that fail, it is rolled back and each job (a request's deliveries)
// is written again in a savepoint of its own: the one that fails is rolled back alone and rejected,
// the others are stored as if the group had been written one job after the other.
import type { StoreOutcome } from '../deliveries.js';
import { inWriteTransaction, type WritePool, type WriteSession } from './connection.js';
import { PURGE_LOCK } from './locks.js';
import { missingMonths, monthsAhead } from './partitions.js';
import { receiveDeliveries, type PreparedDelivery } from './receipt.js';

interface Job<T> {
  run: (session: WriteSession) => Promise<T>;
  /** A request's deliveries: written together with the other jobs' of its group (run is the job written alone). */
  deliveries?: readonly PreparedDelivery[];
  /** The timestamps of the entries it writes: their months' partitions are made before the group's transaction. */
  timestamps: readonly number[];
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** Groups being written at once, each in its own transaction (the write pool holds 4 sessions). */
export const GROUPS_AT_ONCE = 2;
/** A group that PostgreSQL ends to break a deadlock (two groups waiting on each other's rows) is written again, this many times at most. */
const DEADLOCK_RETRIES = 3;

/** Raw payload bytes a group holds before the next delivery waits for the next group. */
export const GROUP_BYTES = 16 << 20;

const payloadBytes = (job: Job<unknown>) => job.deliveries?.reduce((sum, { meta }) => sum + (meta.payload?.byteLength ?? 0), 0) ?? 0;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Whether PostgreSQL ended the statement to break a deadlock (SQLSTATE 40P01). */
const isDeadlock = (error: unknown) => (error as { code?: string }).code === '40P01';

export class PgGroupCommit {
  /**
   * Runs of deliveries written together, and runs written again one job at a time because writing
   * them together failed (a delivery that fails alone; each such attempt drew ids from the
   * sequences, so the ids after it have a gap SQLite's have not).
   */
  readonly written = { together: 0, oneByOne: 0 };
  private queue: Job<unknown>[] = [];
  /** The groups being written now. */
  private readonly writing = new Set<Promise<void>>();
  private starting = false;
  /** Group transactions open now, and who waits for there to be none. */
  private open = 0;
  private whenNoneOpen: Array<() => void> = [];
  /** Months being made: no group opens its transaction meanwhile. */
  private making: Promise<void> | null = null;

  constructor(private readonly writer: WritePool) {}

  /**
   * Runs `run` in the next group's transaction; resolves with its value once that transaction
   * committed. The partitions of the months of `timestamps` are made first, outside it (partitions.ts).
   */
  submit<T>(run: (session: WriteSession) => Promise<T>, timestamps: readonly number[] = []): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, timestamps, resolve, reject } as Job<unknown>);
      this.startSoon();
    });
  }

  /**
   * Stores a request's deliveries (all of them or none) in the next group; resolves with their
   * outcomes once that group's transaction committed.
   */
  submitDeliveries(deliveries: readonly PreparedDelivery[]): Promise<StoreOutcome[]> {
    return new Promise<StoreOutcome[]>((resolve, reject) => {
      const run = (session: WriteSession) => receiveDeliveries(session, deliveries);
      const timestamps = deliveries.flatMap(({ payload }) => (payload.ok ? payload.rows.entries.map((entry) => entry.ts) : []));
      this.queue.push({ run, deliveries, timestamps, resolve, reject } as Job<unknown>);
      this.startSoon();
    });
  }

  /** Resolves once everything submitted so far has settled. */
  async idle(): Promise<void> {
    while (this.writing.size > 0 || this.starting) await Promise.all([...this.writing, new Promise((resolve) => setImmediate(resolve))]);
  }

  /** A group is started on the next turn of the event loop (the deliveries arriving in this one join it), if one may be. */
  private startSoon(): void {
    if (this.starting || this.writing.size >= GROUPS_AT_ONCE) return;
    this.starting = true;
    setImmediate(() => {
      this.starting = false;
      this.startGroups();
    });
  }

  /** Groups of what waits, while fewer than GROUPS_AT_ONCE are being written; each that ends starts the next. */
  private startGroups(): void {
    while (this.queue.length > 0 && this.writing.size < GROUPS_AT_ONCE) {
      const written: Promise<void> = this.write(this.nextGroup()).finally(() => {
        this.writing.delete(written);
        this.startGroups();
      });
      this.writing.add(written);
    }
  }

  /**
   * The jobs waiting, up to GROUP_BYTES of raw payloads (at least one job): a group's payloads go to
   * the server as one array, in text (hex, twice their size), so a backlog of large bodies arriving
   * at once is written as several groups rather than one that no string could hold.
   */
  private nextGroup(): Job<unknown>[] {
    let bytes = 0;
    let taken = 0;
    while (taken < this.queue.length && (taken === 0 || bytes < GROUP_BYTES)) bytes += payloadBytes(this.queue[taken++]!);
    return this.queue.splice(0, taken);
  }

  private async write(jobs: Job<unknown>[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      const timestamps = jobs.flatMap((job) => job.timestamps);
      if ((await missingMonths(this.writer.pool, timestamps)).length > 0) await this.makeMonths(timestamps);
      for (let tries = 1; ; tries++) {
        try {
          outcomes = await this.inTransaction((session) => this.writeJobs(session, jobs));
          break;
        } catch (error) {
          // Nothing of the group was committed: written again at once (it then waits, inside PostgreSQL,
          // for the rows the other holds). Each attempt draws ids again: they have a gap SQLite's have not.
          if (!isDeadlock(error) || tries > DEADLOCK_RETRIES) throw error;
        }
      }
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => (outcome.ok ? jobs[i]!.resolve(outcome.value) : jobs[i]!.reject(outcome.error)));
  }

  /** `work` in a group transaction of its own, once no months are being made. */
  private async inTransaction<T>(work: (session: WriteSession) => Promise<T>): Promise<T> {
    while (this.making) await this.making;
    this.open += 1;
    try {
      return await inWriteTransaction(this.writer.pool, work, { confirmed: true });
    } finally {
      this.open -= 1;
      if (this.open === 0) for (const wake of this.whenNoneOpen.splice(0)) wake();
    }
  }

  /** Makes the months `timestamps` need once the other groups' transactions have ended, none opening meanwhile. */
  private async makeMonths(timestamps: readonly number[]): Promise<void> {
    while (this.making) await this.making;
    let made!: () => void;
    this.making = new Promise<void>((resolve) => (made = resolve));
    try {
      while (this.open > 0) await new Promise<void>((resolve) => this.whenNoneOpen.push(resolve));
      await monthsAhead(this.writer.pool, timestamps);
    } finally {
      this.making = null;
      made();
    }
  }

  /**
   * The jobs in their order: each run of delivery jobs written together in one savepoint (jobs
   * written one by one, each in a savepoint of its own, when that fails); any other job alone.
   */
  private async writeJobs(session: WriteSession, jobs: Job<unknown>[]): Promise<Outcome[]> {
    // A purge's transaction does not run while a group is being written, nor a group while it does (locks.ts).
    await session.query('SELECT pg_advisory_xact_lock_shared($1)', [PURGE_LOCK]);
    const outcomes: Outcome[] = [];
    for (let i = 0; i < jobs.length;) {
      let end = i + 1;
      if (jobs[i]!.deliveries) while (end < jobs.length && jobs[end]!.deliveries) end += 1;
      const run = jobs.slice(i, end);
      const together = run.length > 1 ? await this.writeTogether(session, run) : null;
      if (together) this.written.together += 1;
      else if (run.length > 1) this.written.oneByOne += 1;
      outcomes.push(...(together ?? (await this.writeEach(session, run))));
      i = end;
    }
    return outcomes;
  }

  /** The delivery jobs' deliveries in one savepoint: their outcomes, or null when it failed (rolled back). */
  private async writeTogether(session: WriteSession, jobs: Job<unknown>[]): Promise<Outcome[] | null> {
    await session.query('SAVEPOINT deliveries');
    let stored: StoreOutcome[];
    try {
      stored = await receiveDeliveries(
        session,
        jobs.flatMap((job) => job.deliveries!),
      );
      await session.query('RELEASE SAVEPOINT deliveries');
    } catch (error) {
      await session.query('ROLLBACK TO SAVEPOINT deliveries').catch(() => Promise.reject(error));
      if (isDeadlock(error)) throw error; // the whole group is written again (write)
      return null;
    }
    let next = 0;
    return jobs.map((job) => ({ ok: true, value: stored.slice(next, (next += job.deliveries!.length)) }));
  }

  /** Each job in a savepoint of its own: one that fails is rolled back alone, and its error kept as its outcome. */
  private async writeEach(session: WriteSession, jobs: Job<unknown>[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    for (const job of jobs) {
      await session.query('SAVEPOINT delivery');
      try {
        const value = await job.run(session);
        await session.query('RELEASE SAVEPOINT delivery');
        outcomes.push({ ok: true, value });
      } catch (error) {
        // A session that cannot roll back is gone (the server ended it): the group fails with
        // what ended it, not with the later "not queryable" of the rollback.
        await session.query('ROLLBACK TO SAVEPOINT delivery').catch(() => Promise.reject(error));
        if (isDeadlock(error)) throw error; // not this job's fault: the whole group is written again (write)
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  }
}
