// What an export of a PostgreSQL store adds to its entries beyond their own columns, asked a page
// of entries at a time (one round trip a page, not one a row) on the export's own session (in its
// snapshot): the review's columns
// (store/reviewColumns.ts: tags, notes, review_status) and the user IDs the rooms' names hold,
// for pseudonyms (export/pseudonymousEntries.ts). Ordered as SQLite orders them: tags by their
// NOCASE names, notes by when they were written, user IDs by their bytes.
import type pg from 'pg';
import type { EntryRecord } from '../../../shared/entryRecord.js';
import { roomNameWords } from '../overview.js';
import { reviewStatus } from '../reviewColumns.js';
import { roomKey } from '../../export/pseudonymousEntries.js';

export type ReviewColumns = [tags: string, notes: string, status: 'reviewed' | 'unreviewed'];

/**
 * The review's columns of `entries`, by entry id. `marks` caches each room's review mark (the time
 * reviewed to) across pages, as reviewColumnsReader does.
 */
export async function reviewColumnsOf(
  session: pg.ClientBase,
  entries: readonly EntryRecord[],
  marks: Map<string, number | null>,
): Promise<Map<number, ReviewColumns>> {
  const ids = entries.map((entry) => entry.id);
  // Kept small, as SQLite's reader keeps its own: emptied before the page's rooms are looked for in it.
  if (marks.size > 10_000) marks.clear();
  const unmarked = [...new Map(entries.map((e) => [roomKey(e.domainId, e.room), e])).values()].filter(
    (e) => !marks.has(roomKey(e.domainId, e.room)),
  );
  // One after the other: a session answers one query at a time (pg 8 queues more, with a warning).
  const tags = await session.query<{ id: number; tags: string }>(
    `SELECT l.target_id AS id, string_agg(t.name, ';' ORDER BY omv_nocase(t.name) COLLATE "C") AS tags
       FROM tag_links l JOIN tags t ON t.id = l.tag_id WHERE l.target = 'entry' AND l.target_id = ANY($1::bigint[]) GROUP BY l.target_id`,
    [ids],
  );
  const notes = await session.query<{ id: number; notes: string }>(
    `SELECT target_id AS id, string_agg(text, ' | ' ORDER BY at, id) AS notes
       FROM notes WHERE target = 'entry' AND target_id = ANY($1::bigint[]) GROUP BY target_id`,
    [ids],
  );
  const reviewed = await session.query<{ domain_id: string; name: string; reviewed_to: number }>(
    `SELECT r.domain_id, r.name, rr.reviewed_to FROM unnest($1::text[], $2::text[]) AS asked (domain_id, name)
         JOIN rooms r ON r.domain_id = asked.domain_id AND r.name = asked.name JOIN room_reviews rr ON rr.room_id = r.id`,
    [unmarked.map((e) => e.domainId), unmarked.map((e) => e.room)],
  );
  for (const e of unmarked) marks.set(roomKey(e.domainId, e.room), null);
  for (const row of reviewed.rows) marks.set(roomKey(row.domain_id, row.name), row.reviewed_to);
  const tagsOf = new Map(tags.rows.map((row) => [row.id, row.tags]));
  const notesOf = new Map(notes.rows.map((row) => [row.id, row.notes]));
  return new Map(
    entries.map((e) => [
      e.id,
      [tagsOf.get(e.id) ?? '', notesOf.get(e.id) ?? '', reviewStatus(e.timestamp, marks.get(roomKey(e.domainId, e.room)))],
    ]),
  );
}

/**
 * Adds to `named` the user IDs each room of `entries` not in it yet holds in its name (overview.ts
 * usersNamedIn: the words of the name that are users of its domain, in the order of their IDs).
 */
export async function usersNamedInRoomsOf(
  session: pg.ClientBase,
  entries: readonly EntryRecord[],
  named: Map<string, string[]>,
): Promise<void> {
  if (named.size > 10_000) named.clear();
  const rooms = [...new Map(entries.map((e) => [roomKey(e.domainId, e.room), e])).entries()].filter(([key]) => !named.has(key));
  if (rooms.length === 0) return;
  // Each room by its place in `rooms` (a key holds U+0000, which PostgreSQL's text cannot).
  const places: number[] = [];
  const domains: string[] = [];
  const words: string[] = [];
  rooms.forEach(([key, e], place) => {
    named.set(key, []);
    for (const word of roomNameWords(e.room)) {
      places.push(place);
      domains.push(e.domainId);
      words.push(word);
    }
  });
  if (words.length === 0) return;
  const found = await session.query<{ place: number; users: string[] }>(
    `SELECT w.place, array_agg(u.user_id ORDER BY u.user_id COLLATE "C") AS users
     FROM unnest($1::int[], $2::text[], $3::text[]) AS w (place, domain_id, word)
       JOIN users u ON u.domain_id = w.domain_id AND u.user_id = w.word
     GROUP BY w.place`,
    [places, domains, words],
  );
  for (const row of found.rows) named.set(rooms[row.place]![0], row.users);
}
