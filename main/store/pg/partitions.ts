// Entries are partitioned by the month (UTC) of their timestamp: a month's partition is made the
// first time an entry of that month arrives, inside the writer's transaction (so a group that
// rolls back takes its new partition with it), and purging a month can one day drop a table
// instead of deleting millions of rows. Only months from 2000 to 2099 get a partition of their
// own: a hostile payload with a timestamp in every month of 275,000 years would otherwise make
// millions of tables. The rest land in the default partition (entries_elsewhen); it never holds
// a month that gets a partition, because those months always get theirs before any entry.
// Not yet right for a busy server: CREATE TABLE … PARTITION OF takes an ACCESS EXCLUSIVE lock on
// entries until the group commits, so a month's first delivery waits for any open read (an export's
// cursor) and holds up every new one meanwhile. Before PostgreSQL receives for real, months are to
// be made ahead of time, outside the receiver's transaction (issue #19).
import type pg from 'pg';

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
 * Makes the partitions these timestamps need that do not exist yet. Run in the transaction that
 * then writes the entries.
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
  for (const month of months.values()) {
    if (present.has(month.name)) continue;
    // Names and bounds are made here from numbers, never from input.
    await client.query(`CREATE TABLE ${month.name} PARTITION OF entries FOR VALUES FROM (${month.from}) TO (${month.to})`);
  }
}

/** The month partitions there are, oldest first (the default partition left out). */
export async function listMonths(client: pg.ClientBase | pg.Pool): Promise<string[]> {
  const rows = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'entries'::regclass AND c.relname <> 'entries_elsewhen' ORDER BY c.relname`,
  );
  return rows.rows.map((row) => row.name);
}
