// A read of several statements that must agree (a report and its history, the trail and its
// verdict): one REPEATABLE READ, READ ONLY transaction on a session of its own.
import type pg from 'pg';
import { UserFacingError } from '../../../../shared/userFacingError.js';

/** Runs `work` in one read-only snapshot on a session of its own; a session that failed is not handed on. */
export async function inOneSnapshot<T>(pool: pg.Pool, work: (session: pg.PoolClient) => Promise<T>): Promise<T> {
  const session = await pool.connect();
  let broken: Error | undefined;
  try {
    await session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    return await work(session);
  } catch (error) {
    // A refusal of ours (no such report) leaves the session as good as it was.
    if (!(error instanceof UserFacingError)) broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    await session.query('ROLLBACK').catch(() => undefined);
    session.release(broken);
  }
}
