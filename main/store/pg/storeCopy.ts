// A desk's SQLite file copied into a new PostgreSQL database (omv migrate-store): every table the
// two schemas share, row for row with the same ids — entries, deliveries (raw payloads and
// quarantine), rooms, users, the review data, accounts, and the audit chain as it is — with COPY,
// in one transaction (a copy that fails leaves the database as it was), read from one snapshot of
// the file. Entries get PostgreSQL's full-text columns (words, lexemes) as its writer makes them,
// and their months' partitions first. Entries' indexes that hold no constraint (the full-text and
// pairs indexes above all) are set aside while their rows arrive and built once after, in the same
// transaction: kept up to date row by row, they made the copy of 5M entries take 373 s, not 294 s
// (a failed copy rolls the drop back with the rest). Then it is checked: the same number of rows in
// every table, and the audit chain verified on PostgreSQL ending in the file's head. The entries
// the file's watch matching had not reached yet are queued for it (watch_queue), and the planner is
// given the copied tables' statistics.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { tokenize } from '../../../shared/tokenize.js';
import type { AuditVerdict } from '../../../shared/review.js';
import { auditHead } from '../audit.js';
import type { Db } from '../db.js';
import { pgText, type WritePool } from './connection.js';
import { queueUncheckedEntries } from './migrations/0420-watch-queue.js';
import { ensureMonths } from './partitions.js';
import { indexColumns } from './textMatch.js';

export interface CopiedTable {
  table: string;
  rows: number;
}

export interface StoreCopy {
  tables: CopiedTable[];
  audit: { row: number; hash: string };
}

/** Tables PostgreSQL alone has: not copied from the file (watch_queue is made from the file's watch_checked_to). */
const PG_ONLY = ['omv_schema', 'watch_queue'];

/** The tables that hold data (not the schema's bookkeeping, not entries' partitions), parents before the tables that reference them. */
async function dataTables(client: pg.ClientBase): Promise<string[]> {
  const tables = (
    await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> ALL($1::text[])
       ORDER BY c.relname`,
      [PG_ONLY],
    )
  ).rows.map((row) => row.name);
  const references = (
    await client.query<{ child: string; parent: string }>(
      `SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent FROM pg_constraint c
       JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = current_schema()`,
    )
  ).rows;
  const ordered: string[] = [];
  const placing = new Set<string>();
  const place = (table: string) => {
    if (ordered.includes(table) || placing.has(table)) return;
    placing.add(table);
    for (const { child, parent } of references) if (child === table && parent !== table) place(parent);
    ordered.push(table);
  };
  tables.forEach(place);
  return ordered;
}

/** A table's columns that take values (generated ones left out), in their order. */
async function pgColumns(client: pg.ClientBase, table: string): Promise<Array<{ name: string; required: boolean }>> {
  return (
    await client.query<{ name: string; required: boolean }>(
      `SELECT attname AS name, attnotnull AND NOT atthasdef AND attidentity = '' AS required FROM pg_attribute
       WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
      [table],
    )
  ).rows;
}

/** One value as a field of COPY's CSV: NULL unquoted and empty, text quoted, bytes as bytea's hex. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  return `"${pgText(String(value)).replaceAll('"', '""')}"`;
}

/** A tsvector's text of these lexemes (the receiver builds it with array_to_tsvector: the same value). */
function tsvectorText(lexemes: string | null): string | null {
  if (lexemes === null) return null;
  return lexemes
    .split(' ')
    .filter(Boolean)
    .map((lexeme) => `'${lexeme.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`)
    .join(' ');
}

/** Rows of `table` as CSV lines for COPY, a batch at a time. */
function* csvBatches(db: Db, table: string, columns: string[], computed: (row: Record<string, unknown>) => unknown[]): Iterable<string> {
  const info = db.prepare<[], { name: string; pk: number }>(`SELECT name, pk FROM pragma_table_info('${table}')`).all();
  const read = columns.filter((column) => info.some((c) => c.name === column));
  // In the key's order (a table WITHOUT ROWID has no rowid to go by).
  const key = info
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => `"${c.name}"`);
  const order = key.length ? key.join(', ') : 'rowid';
  const statement = db.prepare(`SELECT ${read.map((c) => `"${c}"`).join(', ')} FROM "${table}" ORDER BY ${order}`).safeIntegers(true);
  let batch = '';
  for (const row of statement.iterate() as Iterable<Record<string, unknown>>) {
    const extra = computed(row);
    batch += [...read.map((column) => csvField(row[column])), ...extra.map(csvField)].join(',') + '\n';
    if (batch.length >= 1 << 20) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
}

/**
 * Drops entries' indexes that no constraint stands on (uniqueness stays checked as rows arrive) and
 * returns what builds them again: each index's own definition, on the partitioned table and so on
 * every partition.
 */
async function setAsideEntryIndexes(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ name: string; definition: string }>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
     WHERE i.indrelid = 'entries'::regclass AND NOT i.indisunique
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
     ORDER BY i.indexrelid`,
  );
  for (const { name } of rows) await client.query(`DROP INDEX ${name}`);
  // A partitioned table's index reads "ON ONLY entries": without ONLY it is built on the partitions too.
  return rows.map(({ definition }) => definition.replace(/ ON ONLY /, ' ON '));
}

async function copyTable(client: pg.ClientBase, db: Db, table: string): Promise<number> {
  const sqliteColumns = new Set(
    db
      .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .all()
      .map((c) => c.name),
  );
  if (sqliteColumns.size === 0) return 0; // a table PostgreSQL has and this file has not (none today)
  const columns = await pgColumns(client, table);
  const fullText = table === 'entries' ? ['words', 'lexemes'] : [];
  const copied = columns.map((c) => c.name).filter((name) => sqliteColumns.has(name));
  const missing = columns.filter((c) => c.required && !sqliteColumns.has(c.name) && !fullText.includes(c.name)).map((c) => c.name);
  if (missing.length) throw new Error(`${table}: PostgreSQL needs ${missing.join(', ')}, which the SQLite file does not have`);
  const computed =
    table === 'entries'
      ? (row: Record<string, unknown>) => {
          const { words, lexemes } = indexColumns(tokenize(typeof row['content'] === 'string' ? row['content'] : ''));
          return [words, tsvectorText(lexemes)];
        }
      : () => [];
  if (table === 'entries') {
    const months = db.prepare<[], bigint>('SELECT DISTINCT (ts / 86400000) * 86400000 FROM entries').pluck().safeIntegers(true).all();
    await ensureMonths(client, months.map(Number));
  }
  const target = [...copied, ...fullText].map((c) => `"${c}"`).join(', ');
  const indexes = table === 'entries' ? await setAsideEntryIndexes(client) : [];
  await pipeline(
    Readable.from(csvBatches(db, table, copied, computed)),
    client.query(copyFrom(`COPY "${table}" (${target}) FROM STDIN WITH (FORMAT csv)`)),
  );
  for (const definition of indexes) await client.query(definition);
  return Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)).rows[0]!.n);
}

/**
 * Copies the SQLite database `db` into the PostgreSQL database of `writer` (migrated, and holding
 * no data yet: a copy into a store that already receives would mix two histories). `log` is told
 * each table as it is copied.
 */
export async function copySqliteToPg(db: Db, writer: WritePool, log: (line: string) => void): Promise<StoreCopy> {
  const client = await writer.pool.connect();
  let broken: Error | undefined;
  try {
    const held = (
      await client.query<{ n: string }>(
        'SELECT (SELECT count(*) FROM deliveries) + (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM accounts) AS n',
      )
    ).rows[0]!.n;
    if (Number(held) > 0)
      throw new Error('the PostgreSQL database already holds deliveries, accounts or an audit trail: migrate into a new, empty database');
    const tables = await dataTables(client);
    // One snapshot of the file, and its write lock held until the copy is done: a receiver still
    // running on it answers 503 meanwhile (the vendor sends again) instead of acknowledging a
    // delivery the copy no longer takes.
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      if (!String((error as { code?: string }).code).startsWith('SQLITE_BUSY')) throw error;
      throw new Error('the SQLite file is being written (is omv serve or the desk running on it?): stop it, then migrate');
    }
    try {
      await client.query('BEGIN');
      // What the migrations wrote (the default tags, the chain's head, settings) gives way to the file's.
      await client.query(`TRUNCATE ${[...tables, 'watch_queue'].map((t) => `"${t}"`).join(', ')} RESTART IDENTITY CASCADE`);
      const copied: CopiedTable[] = [];
      for (const table of tables) {
        const rows = await copyTable(client, db, table);
        copied.push({ table, rows });
        log(`${table}: ${rows.toLocaleString('en-US')} rows`);
      }
      // The next ids follow the file's.
      await client.query(`
        DO $$ DECLARE t record; BEGIN
          FOR t IN SELECT s.seq, s.tab, s.col FROM (
              SELECT d.objid::regclass AS seq, d.refobjid::regclass AS tab, a.attname AS col FROM pg_depend d
              JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
              WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                AND (SELECT relkind FROM pg_class WHERE oid = d.objid) = 'S') s LOOP
            EXECUTE format('SELECT setval(%L, coalesce((SELECT max(%I) FROM %s), 0) + 1, false)', t.seq, t.col, t.tab);
          END LOOP;
        END $$`);
      const counts = copied.map(({ table }) => ({
        table,
        file: Number(db.prepare<[], bigint>(`SELECT count(*) FROM "${table}"`).pluck().safeIntegers(true).get() ?? 0n),
      }));
      for (const { table, file } of counts) {
        const here = copied.find((c) => c.table === table)!.rows;
        if (here !== file) throw new Error(`${table}: ${file} rows in the file, ${here} copied`);
      }
      // A file whose trail is still empty has no head row (SQLite's chain starts from none); the
      // store's chain starts from one (its migration writes it), which the copy has just emptied.
      const head = auditHead(db);
      await client.query('INSERT INTO audit_head (one, rows, hash) VALUES (1, $1, $2) ON CONFLICT (one) DO NOTHING', [head.row, head.hash]);
      await queueUncheckedEntries(client);
      // Autovacuum analyzes the partitions again once this commits; entries' own statistics (its
      // partitions taken together), which the planner reads too, only an ANALYZE of it gathers.
      await client.query(`ANALYZE ${tables.map((t) => `"${t}"`).join(', ')}`);
      await client.query('COMMIT');
      return { tables: copied, audit: head };
    } finally {
      db.exec('COMMIT');
    }
  } catch (error) {
    broken = error instanceof Error ? error : undefined;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(broken);
  }
}

/** After the copy: the chain on PostgreSQL verifies, and ends where the file's ended. */
export function chainCarriedOver(
  verdict: AuditVerdict,
  fileHead: { row: number; hash: string },
  pgHead: { row: number; hash: string },
): string | null {
  if (!verdict.intact) return `the audit chain does not verify on PostgreSQL: row ${verdict.badRow}: ${verdict.why}`;
  if (pgHead.row !== fileHead.row || pgHead.hash !== fileHead.hash)
    return `the audit chain's head on PostgreSQL (row ${pgHead.row}, ${pgHead.hash}) is not the file's (row ${fileHead.row}, ${fileHead.hash})`;
  return null;
}
