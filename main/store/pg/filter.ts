// The entry filter (room, in:, user, type, time range, tag:, has:note, status:unreviewed, search
// text) as PostgreSQL clauses: the same selection store/entryQuery.ts's where() makes for SQLite.
// `e` is entries. A room or user is looked up first (by name, in: by roomMatch.ts's steps) and
// asked for by id, so the planner walks that room's index in time order.
import type { EntryFilter } from '../../../shared/api.js';
import { roomIdsAmong, roomsInAll, type RoomName } from '../roomMatch.js';
import { pgText, type Params } from './connection.js';
import { excludeClause, matchClause, textQuery } from './textMatch.js';
import type pg from 'pg';

type Queryable = Pick<pg.ClientBase, 'query'> | pg.Pool;

/** The clause that selects nothing: a room or user nobody has, a search with no word left to look for. */
export const NOTHING = 'false';

/** Epoch ms as the bigint column compares it: a bound between two integers moves to the integer inside the range. */
const lowBound = (ms: number) => Math.max(Number.MIN_SAFE_INTEGER, Math.ceil(ms));
const highBound = (ms: number) => Math.min(Number.MAX_SAFE_INTEGER, Math.floor(ms));

async function ids(client: Queryable, sql: string, value: string): Promise<number[]> {
  return (await client.query<{ id: number }>(sql, [value])).rows.map((row) => row.id);
}

function idsClause(column: string, found: number[], params: Params): string {
  if (found.length === 0) return NOTHING;
  return found.length === 1 ? `${column} = ${params.add(found[0])}` : `${column} = ANY(${params.add(found)}::bigint[])`;
}

/** store/entryQuery.ts's roomIdsOf: the room list's choice, in:'s rooms and a domain's, each narrowing the others (null: every room). */
export async function roomIdsOf(client: Queryable, filter: EntryFilter): Promise<number[] | null> {
  const { room, inRoom, domain } = filter;
  if (room === undefined && inRoom === undefined && domain === undefined) return null;
  const chosen: number[][] = [];
  // A NUL, which PostgreSQL's text cannot hold, is asked for as pgText stores one (not an error).
  if (room !== undefined) chosen.push(await ids(client, 'SELECT id FROM rooms WHERE name = $1 ORDER BY id', pgText(room)));
  if (inRoom !== undefined) {
    // in:'s steps are taken among the domain's rooms: a closer name elsewhere does not hide its own.
    const rooms =
      domain === undefined
        ? await client.query<RoomName>('SELECT id, name, entry_count AS entries FROM rooms ORDER BY id')
        : await client.query<RoomName>('SELECT id, name, entry_count AS entries FROM rooms WHERE domain_id = $1 ORDER BY id', [
            pgText(domain),
          ]);
    chosen.push(roomIdsAmong(rooms.rows, inRoom));
  }
  if (domain !== undefined) chosen.push(await ids(client, 'SELECT id FROM rooms WHERE domain_id = $1 ORDER BY id', pgText(domain)));
  return roomsInAll(chosen);
}

/**
 * The clauses selecting the entries of `filter` (joined with AND). `afterId`: only entries stored
 * after that one. A clause equal to NOTHING means no entry can match.
 */
export async function whereClauses(
  client: Queryable,
  filter: EntryFilter,
  params: Params,
  { afterId }: { afterId?: number } = {},
): Promise<string[]> {
  const clauses: string[] = [];
  const rooms = await roomIdsOf(client, filter);
  if (rooms !== null) clauses.push(idsClause('e.room_id', rooms, params));
  if (filter.user !== undefined)
    clauses.push(idsClause('e.user_id', await ids(client, 'SELECT id FROM users WHERE user_id = $1 ORDER BY id', filter.user), params));
  if (filter.type !== undefined) clauses.push(`e.type = ${params.add(filter.type)}`);
  if (filter.from !== undefined) clauses.push(`e.ts >= ${params.add(lowBound(filter.from))}`);
  if (filter.to !== undefined) clauses.push(`e.ts <= ${params.add(highBound(filter.to))}`);
  if (filter.tag !== undefined)
    clauses.push(
      `e.id IN (SELECT l.target_id FROM tag_links l JOIN tags t ON t.id = l.tag_id
                WHERE l.target = 'entry' AND omv_nocase(t.name) = omv_nocase(${params.add(filter.tag)}))`,
    );
  if (filter.hasNote) clauses.push("e.id IN (SELECT target_id FROM notes WHERE target = 'entry')");
  if (filter.unreviewed)
    clauses.push('e.ts > coalesce((SELECT reviewed_to FROM room_reviews rr WHERE rr.room_id = e.room_id), -9000000000000000)');
  if (afterId !== undefined) clauses.push(`e.id > ${params.add(Math.trunc(afterId))}`);
  const query = filter.text === undefined ? null : textQuery(filter.text);
  if (query?.kind === 'match') clauses.push(matchClause(query, params) ?? NOTHING);
  else if (query?.kind === 'exclude') {
    const clause = excludeClause(query, params);
    if (clause) clauses.push(clause);
  }
  return clauses;
}

export const whereSql = (clauses: string[]) => (clauses.length ? `WHERE ${clauses.join(' AND ')}` : '');
