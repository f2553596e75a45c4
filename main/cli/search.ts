// omv search: the newest entries matching a search, one readable line each. The same language as
// the desk's search box (words, "phrases", prefix*, -excluded, from: in: type: before: after:), run
// in a query host under a time limit, like the desk's searches.
import { parseArgs } from 'node:util';
import { SNIPPET_MARKS, type Keyset, type SearchHit } from '../../shared/api.js';
import { parseSearch } from '../../shared/searchQuery.js';
import { QueryPool, QueryTimeoutError } from '../api/queryPool.js';
import { openDatabaseFor, parsePositiveInteger, parsePositiveSeconds, UsageError } from './common.js';
import { forTerminal } from './terminalText.js';

export const usage = `omv search [--db FILE] [--limit N] [--timeout SECONDS] QUERY
  Full-text search of message content, newest first: words, "phrases", prefix*, -excluded, and
  the filters from:USER in:ROOM type:TYPE before:DATE after:DATE (a filter alone lists its entries,
  -word alone every entry without it). The last line says how many there are, exactly.
  --limit    how many hits to show (default 20; any number, read a page at a time)
  --timeout  stop a search that runs longer (default 30)
  A word starting with one - is part of the query (-word excludes); after --, everything is.`;

const OPTIONS = { db: { type: 'string' }, limit: { type: 'string', default: '20' }, timeout: { type: 'string', default: '30' } } as const;

/**
 * The command line split into options and the query. `-word` is the query language's exclusion,
 * not a bundle of one-letter options (search has none): it, and everything after `--`, is query.
 */
function splitQuery(args: string[]): { options: string[]; query: string[] } {
  const options: string[] = [];
  const query: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      query.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) query.push(arg);
    // An option's value is the next argument, whatever it starts with (--limit=N works too).
    else if (Object.hasOwn(OPTIONS, arg.slice(2)) && i + 1 < args.length) options.push(`${arg}=${args[++i]}`);
    else options.push(arg);
  }
  return { options, query };
}

export async function searchCommand(args: string[]): Promise<number> {
  const split = splitQuery(args);
  const { values } = parseArgs({ args: split.options, options: OPTIONS });
  const query = split.query.join(' ');
  if (query.trim() === '') throw new UsageError('say what to search for');
  // A query with a part that cannot be read runs not at all: half a query is another query.
  const { filter, errors } = parseSearch(query);
  if (errors.length > 0) throw new UsageError(errors.join('; '));
  const limit = parsePositiveInteger('--limit', values.limit!);
  const timeoutMs = parsePositiveSeconds('--timeout', values.timeout!) * 1000;
  const db = openDatabaseFor(values.db, { mustExist: true }); // says which, and migrates it
  db.close();
  const pool = new QueryPool({ path: db.name, timeoutMs, hosts: 1 });
  try {
    // Every hit up to --limit, page by page (a page is at most 1,000), then exactly how many there are.
    const hits: SearchHit[] = [];
    for (let before: Keyset | undefined; hits.length < limit;) {
      const page = await pool.run('searchPage', { filter, before, limit: Math.min(1000, limit - hits.length) });
      hits.push(...page.hits);
      const last = page.hits.at(-1);
      if (!page.more || !last) break;
      before = { timestamp: last.timestamp, id: last.id };
    }
    const { total } = await pool.run('countEntries', { filter });
    const [open, close] = process.stdout.isTTY ? ['\x1b[1;33m', '\x1b[0m'] : ['[', ']'];
    for (const hit of hits) {
      const who = hit.userId === null ? '(no user)' : hit.displayName ? `${hit.userId} (${hit.displayName})` : hit.userId;
      const invisible = hit.invisible ? ' [invisible]' : '';
      // The text is made safe before our own highlighting is put in.
      const text = forTerminal(hit.snippet.replace(/[\r\n]+/g, ' '))
        .replaceAll(SNIPPET_MARKS[0], open)
        .replaceAll(SNIPPET_MARKS[1], close);
      const where = forTerminal(`${hit.domainId ? `${hit.domainId}/` : ''}${hit.room}  ${who}`);
      process.stdout.write(`${new Date(hit.timestamp).toISOString()}  ${where}${invisible}: ${text}\n`);
    }
    process.stdout.write(`${total === 0 ? 'no hits' : `${hits.length} of ${total} hits shown`}\n`);
    return 0;
  } catch (error) {
    if (error instanceof QueryTimeoutError) throw new Error(`${error.message} (--timeout sets the limit)`);
    throw error;
  } finally {
    await pool.close();
  }
}
