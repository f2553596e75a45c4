// The API's read calls over a PostgreSQL store: the calls of readCalls.ts, each answering what it
// answers over a SQLite file (test/pgDeskReads*.test.ts ask both engines the same questions of the
// same data and compare), with PostgreSQL's own SQL behind them (pgReads/, one module per part of
// the desk). Arguments are cleaned as readCalls.ts cleans them: what the UI sends is untrusted.
// PostgreSQL cancels a read that runs too long by itself (the read pool's statement_timeout), so
// these run on this thread: no query hosts.
import type { ReadPool } from '../store/pg/connection.js';
import type { PgReads } from '../store/pg/reads.js';
import type { ReadArgs, ReadMethod, ReadRunner, ReadValue } from './readCalls.js';
import { entryReads } from './pgReads/entries.js';
import { reviewReads } from './pgReads/review.js';
import { overviewReads } from './pgReads/overview.js';
import { reportReads } from './pgReads/reports.js';

/** A read call answered by a promise: what each read of readCalls.ts is over PostgreSQL. */
export type AsyncReadCalls = { [M in ReadMethod]: (args: ReadArgs<M>) => Promise<ReadValue<M>> };

/** What a part of the desk's reads is given: the read pool, and the store seam's reads over it. */
export interface PgReadContext {
  reader: ReadPool;
  reads: PgReads;
}

/** Every read call, a part of the desk at a time: a call missing here does not compile. */
export function createPgReadCalls(context: PgReadContext): AsyncReadCalls {
  return {
    ...entryReads(context),
    ...reviewReads(context),
    ...overviewReads(context),
    ...reportReads(context),
  };
}

/** The ReadRunner the service takes, over PostgreSQL. */
export function pgReadRunner(context: PgReadContext): ReadRunner {
  const calls = createPgReadCalls(context);
  return (method, args) => (calls[method] as (a: typeof args) => Promise<ReadValue<typeof method>>)(args);
}
