// omv search: the newest entries matching a search, one readable line each. The same language as
// the desk's search box (words, "phrases", prefix*, -excluded, from: in: type: before: after:), run
// in a query host under a time limit, like the desk's searches.
import { parseArgs } from 'node:util';
import { SNIPPET_MARKS } from '../../shared/api.js';
import { parseSearch } from '../../shared/searchQuery.js';
import { QueryPool, QueryTimeoutError } from '../api/queryPool.js';
import { openDatabaseFor, parsePositiveInteger, parsePositiveSeconds, UsageError } from './common.js';

export const usage = `omv search [--db FILE] [--limit N] [--timeout SECONDS] QUERY
  Full-text search of message content, newest first: words, "phrases", prefix*, -excluded, and
  the filters from:USER in:ROOM type:TYPE before:DATE after:DATE.
  --limit    how many hits to show (default 20)
  --timeout  stop a search that runs longer (default 30)`;

export async function searchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { db: { type: 'string' }, limit: { type: 'string', default: '20' }, timeout: { type: 'string', default: '30' } },
  });
  const query = positionals.join(' ');
  if (query.trim() === '') throw new UsageError('say what to search for');
  const { filter, errors } = parseSearch(query);
  if (errors.length > 0) throw new UsageError(errors.join('; '));
  if (filter.text === undefined) throw new UsageError('add a word to look for (filters alone are what omv export does)');
  const limit = parsePositiveInteger('--limit', values.limit!);
  const timeoutMs = parsePositiveSeconds('--timeout', values.timeout!) * 1000;
  const db = openDatabaseFor(values.db, { mustExist: true }); // says which, and migrates it
  db.close();
  const pool = new QueryPool({ path: db.name, timeoutMs, hosts: 1 });
  try {
    const { hits, total, capped } = await pool.run('search', { filter, limit });
    const [open, close] = process.stdout.isTTY ? ['\x1b[1;33m', '\x1b[0m'] : ['[', ']'];
    for (const hit of hits) {
      const who = hit.userId === null ? '(no user)' : hit.displayName ? `${hit.userId} (${hit.displayName})` : hit.userId;
      const invisible = hit.invisible ? ' [invisible]' : '';
      const text = hit.snippet
        .replaceAll(SNIPPET_MARKS[0], open)
        .replaceAll(SNIPPET_MARKS[1], close)
        .replace(/[\r\n]+/g, ' ');
      process.stdout.write(
        `${new Date(hit.timestamp).toISOString()}  ${hit.domainId ? `${hit.domainId}/` : ''}${hit.room}  ${who}${invisible}: ${text}\n`,
      );
    }
    process.stdout.write(`${total === 0 ? 'no hits' : `${hits.length} of ${capped ? 'more than ' : ''}${total} hits shown`}\n`);
    return 0;
  } catch (error) {
    if (error instanceof QueryTimeoutError) throw new Error(`${error.message} (--timeout sets the limit)`);
    throw error;
  } finally {
    await pool.close();
  }
}
