// The chart above the timeline: how many entries a filter selects in each time bucket.
import type { EntryFilter, Histogram } from '../../shared/api.js';
import { ftsParts } from '../../shared/ftsQuery.js';
import { HOUR_MS } from '../../shared/instant.js';
import { bulkOf } from './chartBulk.js';
import type { Db } from './db.js';
import { idsClause, roomIdsOf, where, whereSql } from './entryQuery.js';

export type HistogramData = Histogram;

/**
 * Counts per time bucket of the entries a filter selects. A filter of rooms and time only — the
 * timeline's own — reads the hourly activity table; finer buckets (a zoomed-in range) and other
 * filters count the entries themselves.
 */
export function entryHistogram(db: Db, filter: EntryFilter, buckets: number): HistogramData {
  const byRoomAndTime =
    filter.user === undefined &&
    filter.inRoom === undefined &&
    filter.type === undefined &&
    filter.text === undefined &&
    filter.tag === undefined &&
    !filter.hasNote &&
    !filter.unreviewed;
  if (byRoomAndTime) {
    const hourly = hourlyHistogram(db, filter, buckets);
    if (hourly) return hourly;
  }
  return filter.text === undefined || ftsParts(filter.text)?.match == null
    ? exactHistogram(db, filter, buckets)
    : hitsHistogram(db, filter, buckets);
}

function hourlyHistogram(db: Db, filter: EntryFilter, buckets: number): HistogramData | null {
  const rooms = roomIdsOf(db, filter);
  const room = rooms === null ? '1' : idsClause('room_id', rooms);
  const range = db
    .prepare<[], { lo: number | null; hi: number | null }>(`SELECT min(hour) AS lo, max(hour) AS hi FROM activity WHERE ${room}`)
    .get()!;
  if (range.lo === null || range.hi === null) return { from: 0, to: 0, bucketMs: 1, counts: [] };
  const from = Math.max(range.lo * HOUR_MS, filter.from ?? -Infinity);
  const to = Math.min((range.hi + 1) * HOUR_MS - 1, filter.to ?? Infinity);
  if (to < from) return { from: 0, to: 0, bucketMs: 1, counts: [] };
  const ranged = filter.from !== undefined || filter.to !== undefined;
  // Less than a day, or a zoomed-in range, wants finer buckets than hours: count those directly.
  if (to - from < 24 * HOUR_MS || (Math.ceil((to - from + 1) / buckets / HOUR_MS) < 3 && ranged)) return null;
  let firstHour = Math.floor(from / HOUR_MS);
  let lastHour = Math.floor(to / HOUR_MS);
  const perHour = new Map(
    db
      .prepare<[number, number], [number, number]>(
        `SELECT hour, sum(entries) FROM activity WHERE ${room} AND hour BETWEEN ? AND ? GROUP BY hour`,
      )
      .raw()
      .all(firstHour, lastHour),
  );
  // A range the moderator chose is shown as chosen; otherwise a few far-off entries are left out.
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
    const edge = (which: 'min' | 'max') => db.prepare<[], number>(`SELECT ${which}(ts) FROM entries WHERE ${room}`).pluck().get()!;
    if (outliers.before) outliers.earliest = edge('min');
    if (outliers.after) outliers.latest = edge('max');
    [firstHour, lastHour] = [bulk.first, bulk.last];
  }
  const bucketHours = Math.max(1, Math.ceil((lastHour - firstHour + 1) / buckets));
  const counts = new Array<number>(Math.floor((lastHour - firstHour) / bucketHours) + 1).fill(0);
  // The hours the range's ends cut through are counted exactly, from their own entries.
  const within = db.prepare<[number, number], number>(`SELECT count(*) FROM entries WHERE ${room} AND ts BETWEEN ? AND ?`).pluck();
  if (from > firstHour * HOUR_MS) perHour.set(firstHour, within.get(from, Math.min(to, (firstHour + 1) * HOUR_MS - 1))!);
  if (to < (lastHour + 1) * HOUR_MS - 1 && lastHour !== firstHour) perHour.set(lastHour, within.get(lastHour * HOUR_MS, to)!);
  for (const [hour, n] of perHour) counts[Math.floor((hour - firstHour) / bucketHours)]! += n;
  return {
    from: firstHour * HOUR_MS,
    to: (firstHour + counts.length * bucketHours) * HOUR_MS,
    bucketMs: bucketHours * HOUR_MS,
    counts,
    ...(outliers ? { outliers } : {}),
  };
}

function exactHistogram(db: Db, filter: EntryFilter, buckets: number): HistogramData {
  const { clauses, params } = where(db, filter);
  const range = db
    .prepare<Record<string, unknown>, { lo: number | null; hi: number | null }>(
      `SELECT min(e.ts) AS lo, max(e.ts) AS hi FROM entries e ${whereSql(clauses)}`,
    )
    .get(params)!;
  if (range.lo === null || range.hi === null) return { from: 0, to: 0, bucketMs: 1, counts: [] };
  const bucketMs = Math.max(1, Math.ceil((range.hi - range.lo + 1) / buckets));
  const counts = new Array<number>(buckets).fill(0);
  const rows = db
    .prepare<Record<string, unknown>, { b: number; n: number }>(
      `SELECT CAST((e.ts - @lo) / @bucketMs AS INTEGER) AS b, count(*) AS n FROM entries e ${whereSql(clauses)} GROUP BY b`,
    )
    .all({ ...params, lo: range.lo, bucketMs });
  for (const row of rows) counts[Math.min(buckets - 1, row.b)] = row.n;
  return { from: range.lo, to: range.lo + bucketMs * buckets, bucketMs, counts };
}

/**
 * Search hits over time: one pass over the hits' times, driven by the full-text index, bucketed
 * here. (Counting in SQL takes two passes, one for the range and one to count, each probing the
 * index again for every entry.)
 */
function hitsHistogram(db: Db, filter: EntryFilter, buckets: number): HistogramData {
  const { clauses, params } = where(db, filter, true);
  const times = db
    .prepare<Record<string, unknown>, number>(
      `SELECT e.ts FROM entries_fts JOIN entries e ON e.id = entries_fts.rowid ${whereSql(clauses)}`,
    )
    .pluck()
    .all(params);
  if (times.length === 0) return { from: 0, to: 0, bucketMs: 1, counts: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const ts of times) {
    if (ts < lo) lo = ts;
    if (ts > hi) hi = ts;
  }
  const bucketMs = Math.max(1, Math.ceil((hi - lo + 1) / buckets));
  const counts = new Array<number>(buckets).fill(0);
  for (const ts of times) counts[Math.min(buckets - 1, Math.floor((ts - lo) / bucketMs))]! += 1;
  return { from: lo, to: lo + bucketMs * buckets, bucketMs, counts };
}
