// omv check on PostgreSQL: what SQLite's check (store/check.ts) proves of a file, asked of the
// database — the full-text columns against the entries' content (recomputed as the writer makes
// them), the rooms' kept counts and hourly activity against the entries, every entry of a month
// in that month's partition, and the audit chain. Pages and indexes are PostgreSQL's to keep:
// with data checksums on (initdb --data-checksums) it finds a damaged page when it reads one, and
// this says whether they are on.
import { tokenize } from '../../../shared/tokenize.js';
import { CheckFindings, unfinishedKind, type CheckResult, type FindingKind } from '../check.js';
import { inWriteTransaction, type ReadPool, type WritePool } from './connection.js';
import type { PgReads } from './reads.js';
import { appendAuditRow } from './writes.js';
import { indexColumns } from './textMatch.js';

const MAX_REPORTED = 20;
const PAGE = 5_000;

/** The entries' full-text columns as the writer makes them from their content, a page at a time in id order. */
async function* madeColumns(reader: ReadPool): AsyncGenerator<unknown[]> {
  for (let after = -1; ;) {
    const page = (
      await reader.pool.query<{ id: number; content: string | null }>(
        'SELECT id, content FROM entries WHERE id > $1 ORDER BY id LIMIT $2',
        [after, PAGE],
      )
    ).rows;
    if (page.length === 0) return;
    const made = page.map((row) => indexColumns(tokenize(row.content ?? '')));
    yield [page.map((row) => row.id), made.map((m) => m.words), made.map((m) => m.lexemes)];
    after = page.at(-1)!.id;
  }
}

/** The made columns ($1 ids, $2 words, $3 lexemes) as a relation `v`, and the entries `e` whose columns differ from them. */
const MADE = `unnest($1::bigint[], $2::text[], $3::text[]) AS v (id, words, lexemes)`;
const MADE_LEXEMES = `CASE WHEN v.lexemes IS NULL THEN NULL ELSE array_to_tsvector(string_to_array(v.lexemes, ' ')) END`;
const DIFFERS = `(e.words <> v.words OR e.lexemes IS DISTINCT FROM ${MADE_LEXEMES})`;

async function fullTextProblems(reader: ReadPool): Promise<string[]> {
  const problems: string[] = [];
  for await (const made of madeColumns(reader)) {
    const wrong = await reader.pool.query<{ id: number }>(
      `SELECT e.id FROM entries e JOIN ${MADE} ON v.id = e.id WHERE ${DIFFERS} ORDER BY e.id`,
      made,
    );
    for (const { id } of wrong.rows) problems.push(`entry ${id}: its full-text columns are not what its content makes`);
  }
  return problems;
}

/**
 * omv check --repair: the full-text columns of every entry whose columns are not what its content
 * makes, made again as the writer makes them (a page of entries per transaction, beside a running
 * receiver: a stored entry's content never changes, so what was read is what is repaired), each
 * page that repaired any with its audit row (`full-text repaired`, how many) in its transaction: a
 * repair cut short is in the trail as far as it went. Answers how many entries were repaired.
 * Nothing else is touched: the content is what they derive from.
 */
export async function repairFullText(reader: ReadPool, writer: WritePool, moderator: string): Promise<number> {
  let repaired = 0;
  for await (const made of madeColumns(reader))
    repaired += await inWriteTransaction(
      writer.pool,
      async (session) => {
        const entries =
          (
            await session.query(
              `UPDATE entries e SET words = v.words, lexemes = ${MADE_LEXEMES} FROM ${MADE} WHERE v.id = e.id AND ${DIFFERS}`,
              made,
            )
          ).rowCount ?? 0;
        if (entries > 0) await appendAuditRow(session, 'full-text repaired', moderator, { entries });
        return entries;
      },
      { confirmed: true },
    );
  return repaired;
}

/**
 * Whether this role can make a month's partition when a delivery needs one (partitions.ts): it
 * must be able to create tables in the schema they go in, and own the entries they are partitions
 * of. A database made by another role (createdb then pg_restore as postgres, say) has its schema
 * public owned by that role, and omv may not create in it: everything else works, and every
 * delivery of a month with no partition yet is refused (503).
 */
async function monthRights(reader: ReadPool): Promise<string[]> {
  const { role, database, schema, canCreate, owner, ownsEntries } = (
    await reader.pool.query<{
      role: string;
      database: string;
      schema: string | null;
      canCreate: boolean | null;
      owner: string;
      ownsEntries: boolean;
    }>(
      `SELECT current_user AS role, current_database() AS database, current_schema() AS schema,
              has_schema_privilege(current_schema(), 'CREATE') AS "canCreate",
              pg_get_userbyid(c.relowner) AS owner, pg_has_role(c.relowner, 'USAGE') AS "ownsEntries"
       FROM pg_class c WHERE c.oid = 'entries'::regclass`,
    )
  ).rows[0]!;
  const problems: string[] = [];
  const refused = 'so every delivery of a month that has no partition yet is refused (503) until it can';
  if (schema === null || !canCreate)
    problems.push(
      `role ${role} cannot create tables in ${schema === null ? 'any schema of its search_path' : `schema ${schema}`}, where a new month's partition goes, ${refused}. ` +
        `A database restored with createdb and pg_restore as another role belongs to that role: as a superuser, ALTER DATABASE ${database} OWNER TO ${role} ` +
        `(or GRANT CREATE ON SCHEMA ${schema ?? 'public'} TO ${role}); a new restore: createdb --owner ${role} --encoding UTF8 --template template0 NEW, then pg_restore`,
    );
  if (!ownsEntries)
    problems.push(
      `role ${role} does not own the entries table (${owner} does), and only its owner can add a month's partition to it, ${refused}. ` +
        `Restore without --no-owner, as the role that owns the other tables, or as a superuser: ALTER TABLE entries OWNER TO ${role}`,
    );
  return problems;
}

export async function checkPg(reader: ReadPool, reads: PgReads): Promise<CheckResult> {
  const findings = new CheckFindings('PostgreSQL', MAX_REPORTED);
  const check = async (what: string, find: () => Promise<string[]>, kind: FindingKind = 'damage') => {
    let problems: string[];
    try {
      problems = await find();
    } catch (error) {
      return findings.add(what, findings.unfinished(error), unfinishedKind(error));
    }
    findings.add(what, problems, kind);
  };
  const checksums = (await reader.pool.query<{ data_checksums: string }>('SHOW data_checksums')).rows[0]!.data_checksums;
  findings.note(
    checksums === 'on'
      ? "pages: PostgreSQL's data checksums are on (a damaged page is found when it is read)"
      : "pages: PostgreSQL's data checksums are off (initdb --data-checksums turns them on for a new cluster)",
  );
  await check('full-text columns against the entries', () => fullTextProblems(reader), 'repairable');
  await check('room entry counts', async () =>
    (
      await reader.pool.query<{ name: string; kept: number; counted: number }>(
        `SELECT r.name, r.entry_count AS kept, coalesce(c.n, 0) AS counted FROM rooms r
         LEFT JOIN (SELECT room_id, count(*) AS n FROM entries GROUP BY room_id) c ON c.room_id = r.id
         WHERE r.entry_count <> coalesce(c.n, 0)`,
      )
    ).rows.map((r) => `#${r.name}: ${r.kept} kept, ${r.counted} entries`),
  );
  await check('hourly activity', async () =>
    (
      await reader.pool.query<{ room: number; kept: number; counted: number }>(
        `SELECT a.room_id AS room, a.kept, coalesce(c.n, 0) AS counted FROM (SELECT room_id, sum(entries) AS kept FROM activity GROUP BY room_id) a
         LEFT JOIN (SELECT room_id, count(*) AS n FROM entries GROUP BY room_id) c ON c.room_id = a.room_id
         WHERE a.kept <> coalesce(c.n, 0)`,
      )
    ).rows.map((h) => `room ${h.room}: ${h.kept} in the activity table, ${h.counted} entries`),
  );
  await check('month partitions', async () =>
    (
      await reader.pool.query<{ n: number }>(
        `SELECT count(*) AS n FROM entries_elsewhen WHERE ts >= ${Date.UTC(2000, 0, 1)} AND ts < ${Date.UTC(2100, 0, 1)}`,
      )
    ).rows
      .filter((row) => row.n > 0)
      .map((row) => `${row.n} entries of months 2000–2099 are in the default partition`),
  );
  await check('making new months', () => monthRights(reader), 'setUp');
  await check('audit chain', async () => {
    const verdict = await reads.verifyAudit();
    return verdict.intact ? [] : [`broken at row ${verdict.badRow}: ${verdict.why}`];
  });
  return findings.result();
}
