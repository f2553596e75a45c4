// How many queries one PostgreSQL session has had running at once, at most, while a test's work
// runs: the driver's own queries, counted as they are asked and answered (nothing is stubbed).
// pg 8 queues a query asked while another runs on the same session (with a deprecation warning
// once two wait, and only once a process); pg 9 will refuse it. Queries asked through a pool with
// a callback (pg.Pool's own query) return no promise and are not counted: their sessions are the pool's.
import pg from 'pg';

export async function mostQueriesAtOnce(work: () => Promise<void>): Promise<number> {
  const query = pg.Client.prototype.query;
  const running = new Map<object, number>();
  let most = 0;
  pg.Client.prototype.query = function (this: object, ...args: unknown[]) {
    const asked = (query as (...a: unknown[]) => unknown).apply(this, args);
    if (!(asked instanceof Promise)) return asked;
    running.set(this, (running.get(this) ?? 0) + 1);
    most = Math.max(most, running.get(this)!);
    const settled = () => void running.set(this, running.get(this)! - 1);
    asked.then(settled, settled);
    return asked;
  } as typeof query;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = query;
  }
  return most;
}
