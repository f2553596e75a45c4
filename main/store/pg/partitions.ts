// Entries are partitioned by the month (UTC) of their timestamp. A month's partition is made
// before the first entry of that month is written, outside the transaction that writes it
// (monthsAhead, run by the writer before each group and at the receiver's start for the months
// around now): CREATE TABLE … PARTITION OF locks the parent table, and inside a group's
// transaction that lock would be held until the group commits, every reader of entries (an
// export's cursor) waiting behind it. ensureMonths in the writing transaction stays as the
// guarantee (it finds the months present and takes no lock). Only months from 2000 to 2099 get a
// partition of their own: a hostile payload with a timestamp in every month of 275,000 years would
// otherwise make millions of tables. The rest land in the default partition (entries_elsewhen); it
// never holds a month that gets a partition, because those months always get theirs before any entry.
import type pg from 'pg';
import { inWriteTransaction } from './connection.js';

const FIRST_YEAR = 2000;
const END_YEAR = 2100;

export interface Month {
  name: string;
  from: number;
  to: number;
}

/** The partition an entry of this timestamp belongs in, or null for the default one. */
export function monthOf(ts: number): Month | null {
  const at = new Date(ts);
  const year = at.getUTCFullYear();
  if (!(year >= FIRST_YEAR && year < END_YEAR)) return null;
  const month = at.getUTCMonth();
  return {
    name: `entries_${year}_${String(month + 1).padStart(2, '0')}`,
    from: Date.UTC(year, month, 1),
    to: Date.UTC(year, month + 1, 1),
  };
}

/** Lock key: makers of partitions queue behind each other (two omv writers on one database). */
const PARTITION_LOCK = 0x6f6d7602;

/**
 * Makes the partitions these timestamps need that do not exist yet, in the caller's transaction
 * (the writing one, as the last guard: it finds them made ahead, and locks nothing).
 */
export async function ensureMonths(client: pg.ClientBase, timestamps: Iterable<number>): Promise<void> {
  const months = new Map<string, Month>();
  for (const ts of timestamps) {
    const month = monthOf(ts);
    if (month && !months.has(month.name)) months.set(month.name, month);
  }
  if (months.size === 0) return;
  const names = [...months.keys()];
  const exists = async () =>
    new Set(
      (
        await client.query<{ name: string }>('SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL', [names])
      ).rows.map((row) => row.name),
    );
  let present = await exists();
  if (present.size === months.size) return;
  await client.query('SELECT pg_advisory_xact_lock($1)', [PARTITION_LOCK]);
  present = await exists();
  const missing = [...months.values()].filter((month) => !present.has(month.name));
  if (missing.length === 0) return;
  // Made here only when monthsAhead could not (a long read held entries): waited for as long as
  // monthsAhead waits, no longer — past that the delivery fails (503, and the vendor sends it again)
  // rather than hold up every delivery behind the read.
  const previous = (await client.query<{ timeout: string }>("SELECT current_setting('lock_timeout') AS timeout")).rows[0]!.timeout;
  await client.query("SELECT set_config('lock_timeout', $1, true)", [String(AHEAD_LOCK_TIMEOUT_MS)]);
  for (const month of missing) {
    // Names and bounds are made here from numbers, never from input.
    await client.query(`CREATE TABLE ${month.name} PARTITION OF entries FOR VALUES FROM (${month.from}) TO (${month.to})`);
  }
  await client.query("SELECT set_config('lock_timeout', $1, true)", [previous]);
}

/** The month partitions there are, oldest first (the default partition left out). */
export async function listMonths(client: pg.ClientBase | pg.Pool): Promise<string[]> {
  const rows = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'entries'::regclass AND c.relname <> 'entries_elsewhen' ORDER BY c.relname`,
  );
  return rows.rows.map((row) => row.name);
}

/** How long making a month ahead may wait for the parent table's lock before trying with the next group (ms). */
const AHEAD_LOCK_TIMEOUT_MS = 2_000;

/** The first instants of the months these timestamps need that have no partition yet (none: nothing to make). */
export async function missingMonths(pool: pg.Pool, timestamps: Iterable<number>): Promise<number[]> {
  const names = new Set<string>();
  for (const ts of timestamps) {
    const month = monthOf(ts);
    if (month) names.add(month.name);
  }
  if (names.size === 0) return [];
  const missing = await pool.query<{ name: string }>('SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NULL', [
    [...names],
  ]);
  return missing.rows.map(({ name }) => monthStart(name));
}

/**
 * Makes the months these timestamps need, each in a short transaction of its own, before the
 * transaction that writes their entries. One that cannot get its lock in time (a long read holds
 * entries) is left to the writing transaction's ensureMonths.
 */
export async function monthsAhead(pool: pg.Pool, timestamps: Iterable<number>): Promise<void> {
  const missing = await missingMonths(pool, timestamps);
  if (missing.length === 0) return;
  // One that fails (its lock not had in time, most likely) is left to the writing transaction's ensureMonths.
  await inWriteTransaction(pool, async (session) => {
    await session.query(`SET LOCAL lock_timeout = ${AHEAD_LOCK_TIMEOUT_MS}`);
    await ensureMonths(session, missing);
  }).catch(() => undefined);
}

/** The months around `now` (the last one, this one and the next two): made at a writer's start. */
export function monthsAround(now: number): number[] {
  const at = new Date(now);
  return [-1, 0, 1, 2].map((offset) => Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + offset, 1));
}

function monthStart(name: string): number {
  return monthRange(name)!.from;
}

/** The timestamps a month's partition holds, from its name: [from, to); null for a name that is no month's. */
export function monthRange(name: string): { from: number; to: number } | null {
  const found = /^entries_(\d{4})_(\d{2})$/.exec(name);
  if (!found) return null;
  const [year, month] = [Number(found[1]), Number(found[2])];
  return { from: Date.UTC(year, month - 1, 1), to: Date.UTC(year, month, 1) };
}
