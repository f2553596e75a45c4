// omv search on a PostgreSQL store: the same pages and the same exact count as on a SQLite file
// (store/pg/reads.ts answers as searchPages.ts does), the server stopping a statement that runs
// past the limit: the command's watchdog (deadline.ts) ends it at --timeout with the same message
// as on SQLite, and the server's statement_timeout, a second later, stops what it was still reading.
import { SNIPPET_MARKS, type EntryFilter, type Keyset, type SearchHit } from '../../shared/api.js';
import { openPgEngine } from '../store/pg/engine.js';

/** Every hit up to `limit`, `page` at a time, newest first, then exactly how many there are. */
export async function searchPg(
  url: string,
  filter: EntryFilter,
  limit: number,
  page: number,
  timeoutMs: number,
): Promise<{ hits: SearchHit[]; total: number }> {
  const engine = await openPgEngine(url, { readTimeoutMs: timeoutMs + 1_000, readers: 1, monthsAhead: false });
  try {
    const hits: SearchHit[] = [];
    for (let before: Keyset | undefined; hits.length < limit;) {
      const found = await engine.reads.searchPage(filter, Math.min(page, limit - hits.length), before, SNIPPET_MARKS);
      hits.push(...found.hits);
      const last = found.hits.at(-1);
      if (!found.more || !last) break;
      before = { timestamp: last.timestamp, id: last.id };
    }
    return { hits, total: await engine.reads.countEntries(filter) };
  } finally {
    await engine.close();
  }
}
