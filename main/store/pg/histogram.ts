// Counts per time bucket on PostgreSQL, the same chart store/entryHistogram.ts draws
// from SQLite: the timeline's own filter (rooms and time) from the hourly activity table, with far
// outliers set apart (chartBulk.ts, as SQLite's); anything else counted from the entries.
import type { EntryFilter, Histogram } from '../../../shared/api.js';
import { HOUR_MS } from '../../../shared/instant.js';
import { bulkOf } from '../chartBulk.js';
import { Params, type ReadPool } from './connection.js';
import { NOTHING, roomIdsOf, whereClauses, whereSql } from './filter.js';

const EMPTY: Histogram = { from: 0, to: 0, bucketMs: 1, counts: [] };

export async function entryHistogram({ pool }: ReadPool, filter: EntryFilter, buckets: number): Promise<Histogram> {
  const byRoomAndTime =
    filter.user === undefined &&
    filter.inRoom === undefined &&
    filter.type === undefined &&
    filter.text === undefined &&
    filter.tag === undefined &&
    !filter.hasNote &&
    !filter.unreviewed;
  if (byRoomAndTime) {
    const hourly = await hourlyHistogram(pool, filter, buckets);
    if (hourly) return hourly;
  }
  return exactHistogram(pool, filter, buckets);
}

type Pool = ReadPool['pool'];

async function hourlyHistogram(pool: Pool, filter: EntryFilter, buckets: number): Promise<Histogram | null> {
  let room = 'true';
  const roomParams: unknown[] = [];
  const ids = await roomIdsOf(pool, filter);
  if (ids !== null) {
    room = ids.length ? 'room_id = ANY($1::bigint[])' : NOTHING;
    if (ids.length) roomParams.push(ids);
  }
  const next = roomParams.length + 1;
  const range = (
    await pool.query<{ lo: number | null; hi: number | null }>(
      `SELECT min(hour) AS lo, max(hour) AS hi FROM activity WHERE ${room}`,
      roomParams,
    )
  ).rows[0]!;
  if (range.lo === null || range.hi === null) return EMPTY;
  const from = Math.max(range.lo * HOUR_MS, filter.from ?? -Infinity);
  const to = Math.min((range.hi + 1) * HOUR_MS - 1, filter.to ?? Infinity);
  if (to < from) return EMPTY;
  const ranged = filter.from !== undefined || filter.to !== undefined;
  if (to - from < 24 * HOUR_MS || (Math.ceil((to - from + 1) / buckets / HOUR_MS) < 3 && ranged)) return null;
  let firstHour = Math.floor(from / HOUR_MS);
  let lastHour = Math.floor(to / HOUR_MS);
  const perHour = new Map(
    (
      await pool.query<{ hour: number; n: number }>(
        `SELECT hour, sum(entries)::bigint AS n FROM activity WHERE ${room} AND hour BETWEEN $${next} AND $${next + 1} GROUP BY hour`,
        [...roomParams, firstHour, lastHour],
      )
    ).rows.map((row) => [row.hour, row.n]),
  );
  const bulk = ranged ? null : bulkOf(perHour);
  let outliers: Histogram['outliers'];
  if (bulk) {
    outliers = { before: 0, after: 0, earliest: null, latest: null };
    for (const [hour, n] of perHour) {
      if (hour < bulk.first) outliers.before += n;
      else if (hour > bulk.last) outliers.after += n;
      else continue;
      perHour.delete(hour);
    }
    const edge = async (which: 'min' | 'max') =>
      (await pool.query<{ ts: number }>(`SELECT ${which}(ts) AS ts FROM entries WHERE ${room}`, roomParams)).rows[0]!.ts;
    if (outliers.before) outliers.earliest = await edge('min');
    if (outliers.after) outliers.latest = await edge('max');
    [firstHour, lastHour] = [bulk.first, bulk.last];
  }
  const bucketHours = Math.max(1, Math.ceil((lastHour - firstHour + 1) / buckets));
  const counts = new Array<number>(Math.floor((lastHour - firstHour) / bucketHours) + 1).fill(0);
  // The hours the range's ends cut through are counted exactly, from their own entries.
  const within = async (lo: number, hi: number) =>
    (
      await pool.query<{ n: number }>(`SELECT count(*) AS n FROM entries WHERE ${room} AND ts BETWEEN $${next} AND $${next + 1}`, [
        ...roomParams,
        Math.ceil(lo),
        Math.floor(hi),
      ])
    ).rows[0]!.n;
  if (from > firstHour * HOUR_MS) perHour.set(firstHour, await within(from, Math.min(to, (firstHour + 1) * HOUR_MS - 1)));
  if (to < (lastHour + 1) * HOUR_MS - 1 && lastHour !== firstHour) perHour.set(lastHour, await within(lastHour * HOUR_MS, to));
  for (const [hour, n] of perHour) counts[Math.floor((hour - firstHour) / bucketHours)]! += n;
  return {
    from: firstHour * HOUR_MS,
    to: (firstHour + counts.length * bucketHours) * HOUR_MS,
    bucketMs: bucketHours * HOUR_MS,
    counts,
    ...(outliers ? { outliers } : {}),
  };
}

async function exactHistogram(pool: Pool, filter: EntryFilter, buckets: number): Promise<Histogram> {
  const params = new Params();
  const clauses = await whereClauses(pool, filter, params);
  const range = (
    await pool.query<{ lo: number | null; hi: number | null }>(
      `SELECT min(e.ts) AS lo, max(e.ts) AS hi FROM entries e ${whereSql(clauses)}`,
      params.values,
    )
  ).rows[0]!;
  if (range.lo === null || range.hi === null) return EMPTY;
  const bucketMs = Math.max(1, Math.ceil((range.hi - range.lo + 1) / buckets));
  const counts = new Array<number>(buckets).fill(0);
  const lo = params.add(range.lo);
  const width = params.add(bucketMs);
  const rows = await pool.query<{ b: number; n: number }>(
    `SELECT (e.ts - ${lo}::bigint) / ${width}::bigint AS b, count(*) AS n FROM entries e ${whereSql(clauses)} GROUP BY b`,
    params.values,
  );
  for (const row of rows.rows) counts[Math.min(buckets - 1, row.b)] = row.n;
  return { from: range.lo, to: range.lo + bucketMs * buckets, bucketMs, counts };
}
