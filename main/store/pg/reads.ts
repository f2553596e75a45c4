// The PostgreSQL store's reads (engine.ts's StoreReads), over the read pool only: the timeline,
// search (first page and the pages after it), exact counts, the chart, export through a
// server-side cursor, single entries and deliveries, the audit chain's check. The answers are
// SQLite's (test/pgDifferential.test.ts compares them); how they are found is PostgreSQL's own:
// keyset pages on (ts, id), the GIN index for words, the planner for the rest.
import type pg from 'pg';
import type { EntryFilter, Keyset, SearchHit } from '../../../shared/api.js';
import type { EntryRecord } from '../../../shared/entryRecord.js';
import type { AuditAction, AuditRecord, AuditVerdict } from '../../../shared/review.js';
import { AuditChainWalk, GENESIS, type AuditRow } from '../audit.js';
import type { CheckResult } from '../check.js';
import { checkPg } from './check.js';
import type { DeliveryRow, QuarantineRow } from '../deliveries.js';
import type { StoreReads } from '../engine.js';
import { toRecord, type EntryRow } from '../entryQuery.js';
import { Params, type ReadPool } from './connection.js';
import { NOTHING, whereClauses, whereSql } from './filter.js';
import { entryHistogram } from './histogram.js';
import { markPhrases } from './snippet.js';
import { textQuery, type Phrase } from './textMatch.js';

const ENTRY_COLUMNS = `e.id, e.ts, r.domain_id, r.name AS room, e.type, u.user_id, e.display_name, e.invisible, e.content, d.source, d.call_id`;
/** Rows per FETCH of an export's cursor. */
const EXPORT_PAGE = 5000;
const ENTRY_JOINS = `JOIN rooms r ON r.id = e.room_id LEFT JOIN users u ON u.id = e.user_id JOIN deliveries d ON d.id = e.delivery_id`;

/** The phrases a filter's text looks for (what snippets mark). */
function wantedPhrases(filter: EntryFilter): Phrase[] {
  const query = filter.text === undefined ? null : textQuery(filter.text);
  return query?.kind === 'match' ? query.wanted : [];
}

export class PgReads implements StoreReads {
  constructor(private readonly reader: ReadPool) {}

  private get pool() {
    return this.reader.pool;
  }

  async timeline(filter: EntryFilter, limit: number, position?: Keyset, direction: 'after' | 'before' = 'after') {
    const params = new Params();
    const clauses = await whereClauses(this.pool, filter, params);
    const backwards = direction === 'before';
    if (position)
      clauses.push(`(e.ts, e.id) ${backwards ? '<' : '>'} (${params.add(position.timestamp)}::bigint, ${params.add(position.id)}::bigint)`);
    const order = backwards ? 'e.ts DESC, e.id DESC' : 'e.ts, e.id';
    const rows = await this.pool.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM entries e ${ENTRY_JOINS} ${whereSql(clauses)} ORDER BY ${order} LIMIT ${Math.trunc(limit) + 1}`,
      params.values,
    );
    const more = rows.rows.length > limit;
    const page = rows.rows.slice(0, limit).map(toRecord);
    return { entries: backwards ? page.reverse() : page, more };
  }

  async searchPage(filter: EntryFilter, limit: number, before: Keyset | undefined, marks: [string, string]) {
    const params = new Params();
    const clauses = await whereClauses(this.pool, filter, params);
    if (clauses.includes(NOTHING)) return { hits: [], more: false };
    if (before) clauses.push(`(e.ts, e.id) < (${params.add(before.timestamp)}::bigint, ${params.add(before.id)}::bigint)`);
    const rows = await this.pool.query<EntryRow>(
      `SELECT ${ENTRY_COLUMNS} FROM entries e ${ENTRY_JOINS} ${whereSql(clauses)} ORDER BY e.ts DESC, e.id DESC LIMIT ${Math.trunc(limit) + 1}`,
      params.values,
    );
    const phrases = wantedPhrases(filter);
    const hits: SearchHit[] = rows.rows
      .slice(0, limit)
      .map((row) => ({ ...toRecord(row), snippet: markPhrases(row.content, phrases, marks) }));
    return { hits, more: rows.rows.length > limit };
  }

  async search(filter: EntryFilter, limit: number, marks: [string, string], countCap = 10_000) {
    const query = filter.text === undefined ? null : textQuery(filter.text);
    // Text that only excludes (-spam) is no full-text search: its first page is searchPage's (as the desk's search call).
    if (query?.kind === 'exclude') {
      const { hits, more } = await this.searchPage(filter, limit, undefined, marks);
      return { hits, total: hits.length, capped: more };
    }
    // No text: no hits (as SQLite's searchEntries).
    if (query === null) return { hits: [], total: 0, capped: false };
    const { hits } = await this.searchPage(filter, limit, undefined, marks);
    if (hits.length < limit) return { hits, total: hits.length, capped: false };
    const counted = await this.countUpTo(filter, countCap + 1);
    return { hits, total: Math.min(counted, countCap), capped: counted > countCap };
  }

  private async countUpTo(filter: EntryFilter, cap: number): Promise<number> {
    const params = new Params();
    const clauses = await whereClauses(this.pool, filter, params);
    if (clauses.includes(NOTHING)) return 0;
    const row = await this.pool.query<{ n: number }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM entries e ${whereSql(clauses)} LIMIT ${Math.trunc(cap)}) AS found`,
      params.values,
    );
    return row.rows[0]!.n;
  }

  async countEntries(filter: EntryFilter): Promise<number> {
    const params = new Params();
    const clauses = await whereClauses(this.pool, filter, params);
    if (clauses.includes(NOTHING)) return 0;
    // Every entry: the rooms' kept counters, not a count of millions.
    if (clauses.length === 0)
      return (await this.pool.query<{ n: number }>('SELECT coalesce(sum(entry_count), 0)::bigint AS n FROM rooms')).rows[0]!.n;
    return (await this.pool.query<{ n: number }>(`SELECT count(*) AS n FROM entries e ${whereSql(clauses)}`, params.values)).rows[0]!.n;
  }

  histogram(filter: EntryFilter, buckets: number) {
    return entryHistogram(this.reader, filter, buckets);
  }

  /**
   * Every entry of the filter in (ts, id) order, through a cursor in one read-only transaction (one
   * snapshot throughout). `beforePage` is handed each page before its entries, with that
   * transaction's session: what an export asks beside the rows (exportColumns.ts) is asked there,
   * in the same snapshot, not on a second session that a pool whose sessions all hold cursors would never give.
   */
  exportEntries(
    filter: EntryFilter,
    beforePage?: (page: readonly EntryRecord[], session: pg.ClientBase) => Promise<void>,
  ): AsyncIterable<EntryRecord> {
    const pool = this.pool;
    return {
      async *[Symbol.asyncIterator]() {
        const session = await pool.connect();
        let failed: Error | undefined;
        let next: Promise<pg.QueryResult<EntryRow>> | undefined;
        try {
          await session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          const params = new Params();
          const clauses = await whereClauses(session, filter, params);
          await session.query(
            `DECLARE export_rows NO SCROLL CURSOR FOR SELECT ${ENTRY_COLUMNS} FROM entries e ${ENTRY_JOINS} ${whereSql(clauses)} ORDER BY e.ts, e.id`,
            params.values,
          );
          // The next page is asked for before this one is handed on: the server reads it while
          // this process turns rows into records and the consumer writes them. Only once what the
          // page asks beside its rows is answered: one query at a time on a session (pg 8 queues
          // a second one, with a deprecation warning; pg 9 will not).
          const fetchPage = () => {
            const page = session.query<EntryRow>(`FETCH ${EXPORT_PAGE} FROM export_rows`);
            page.catch(() => undefined); // a page asked for when the consumer broke off is not awaited: its failure is no one's
            return page;
          };
          for (next = fetchPage(); ;) {
            const page = await next;
            const last = page.rows.length < EXPORT_PAGE;
            if (beforePage) {
              const records = page.rows.map(toRecord);
              if (records.length > 0) await beforePage(records, session);
              if (!last) next = fetchPage();
              yield* records;
            } else {
              if (!last) next = fetchPage();
              for (const row of page.rows) yield toRecord(row);
            }
            if (last) break;
          }
          await session.query('COMMIT');
        } catch (error) {
          failed = error instanceof Error ? error : new Error(String(error));
          throw error;
        } finally {
          // Stopped early (the consumer broke off) or failed: the transaction ends with the session's next use.
          if (failed) session.release(failed);
          else {
            // A page asked for when the consumer broke off is answered first: one query at a time.
            await next?.catch(() => undefined);
            await session.query('ROLLBACK').catch(() => undefined);
            session.release();
          }
        }
      },
    };
  }

  async entryById(id: number): Promise<EntryRecord | undefined> {
    const rows = await this.pool.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM entries e ${ENTRY_JOINS} WHERE e.id = $1`, [Math.trunc(id)]);
    return rows.rows[0] && toRecord(rows.rows[0]);
  }

  async delivery(id: number): Promise<DeliveryRow | undefined> {
    return (await this.pool.query<DeliveryRow>('SELECT * FROM deliveries WHERE id = $1', [Math.trunc(id)])).rows[0];
  }

  async quarantined(): Promise<QuarantineRow[]> {
    return (
      await this.pool.query<QuarantineRow>(
        `SELECT id, source, function, domain_id, type, call_id, received_at, payload_size, sha256, file_path, status, error, kind,
                entry_count, new_entries, duplicates, repairs
         FROM deliveries WHERE status = 'quarantined' ORDER BY id`,
      )
    ).rows;
  }

  async auditHead() {
    const head = (await this.pool.query<{ rows: number; hash: string }>('SELECT rows, hash FROM audit_head WHERE one = 1')).rows[0];
    return { row: head?.rows ?? 0, hash: head?.hash ?? GENESIS };
  }

  /** The chain's check (audit.ts's AuditChainWalk) over the rows a page at a time, in one snapshot. */
  async verifyAudit(anchors: Parameters<StoreReads['verifyAudit']>[0] = []) {
    const session = await this.pool.connect();
    try {
      await session.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      return await verifyAuditIn(session, anchors);
    } finally {
      await session.query('ROLLBACK').catch(() => undefined);
      session.release();
    }
  }

  /** Every row of the trail, oldest first (omv audit list). */
  async listAudit(): Promise<AuditRecord[]> {
    const rows = (await this.pool.query<AuditRow>('SELECT * FROM audit_log ORDER BY id')).rows;
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      moderator: row.moderator,
      action: row.action as AuditAction,
      details: JSON.parse(row.details) as Record<string, unknown>,
    }));
  }

  /** omv check's questions, asked of this database (check.ts). */
  check(): Promise<CheckResult> {
    return checkPg(this.reader, this);
  }
}

/**
 * The chain's check over the rows of `session`'s transaction, a page at a time: run it in a
 * REPEATABLE READ transaction, so the rows, the head and the references are of one moment (the
 * desk reads its page of the trail in the same one).
 */
export async function verifyAuditIn(session: pg.ClientBase, anchors: Parameters<StoreReads['verifyAudit']>[0] = []): Promise<AuditVerdict> {
  const walk = new AuditChainWalk(anchors);
  for (let after = 0; ;) {
    const page = await session.query<AuditRow>('SELECT * FROM audit_log WHERE id > $1 ORDER BY id LIMIT 5000', [after]);
    for (const row of page.rows) {
      const verdict = walk.row(row);
      if (verdict) return verdict;
    }
    if (page.rows.length < 5000) break;
    after = page.rows.at(-1)!.id;
  }
  const head = (await session.query<{ rows: number; hash: string }>('SELECT rows, hash FROM audit_head WHERE one = 1')).rows[0];
  const reference = (await session.query<{ row: number | null }>('SELECT max(audit_id) AS row FROM report_status_changes')).rows[0]!.row;
  return walk.end(
    { row: head?.rows ?? 0, hash: head?.hash ?? GENESIS },
    reference === null ? null : { row: reference, where: "a report's status change" },
  );
}
