// omv search: the newest entries matching a search, one readable line each, and exactly how many
// there are. The same language as the desk's search box (words, "phrases", prefix*, -excluded,
// from: in: type: before: after:; a filter alone lists its entries) and the same queries as the
// desk's (every hit a page at a time, then the exact count), run here, in this process, under a
// time limit (deadline.ts): a search that runs past it is stopped with the desk's message. Output
// goes straight to the file descriptors (directOutput.ts): the whole command costs little more
// than Node's own start.
import { SNIPPET_MARKS, type EntryFilter, type Keyset, type SearchHit } from '../../shared/api.js';
import { parseSearch } from '../../shared/searchQuery.js';
import { timeoutMessage } from '../api/queryLimit.js';
import { parsePositiveInteger, parsePositiveSeconds } from './arguments.js';
import { endProcessAfter } from './deadline.js';
import { writeDirect } from './directOutput.js';
import { forTerminal } from '../../shared/visibleText.js';
import { UsageError } from './usageError.js';

// Node's own modules, not ES imports: an ES facade reads every export its module has, which loads
// node:util's text decoders, colours and diffing, and node:fs's streams and promises (directOutput.ts).
const { parseArgs } = process.getBuiltinModule('node:util');
const { existsSync, fstatSync } = process.getBuiltinModule('node:fs');

/** Hits read at a time: a page of the desk's (readCalls.ts). */
const PAGE = 1000;

const OPTIONS = {
  db: { type: 'string' },
  store: { type: 'string' },
  limit: { type: 'string', default: '20' },
  timeout: { type: 'string', default: '30' },
} as const;

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

/** SQLite's readers, loaded before the time limit starts (as PostgreSQL's driver is). */
async function sqliteReads() {
  const [{ openReadConnection }, { countEntries, searchPage }] = await Promise.all([
    import('../store/readConnection.js'),
    import('../store/searchPages.js'),
  ]);
  return { openReadConnection, countEntries, searchPage };
}

/** Every hit up to `limit` in the SQLite file at `path` (or the default one), a page at a time, then exactly how many there are. */
async function searchSqlite(
  sqlite: Awaited<ReturnType<typeof sqliteReads>>,
  path: string | undefined,
  filter: EntryFilter,
  limit: number,
): Promise<{ hits: SearchHit[]; total: number }> {
  path ??= (await import('../store/paths.js')).defaultDatabasePath();
  writeDirect(2, `omv: database ${forTerminal(path)}\n`);
  if (!existsSync(path)) throw new Error(`no database at ${path}`);
  // Read as it is when nothing needs doing first; else opened for writing, which migrates it
  // (or finishes a bulk load cut short), and read then.
  const db = sqlite.openReadConnection(path) ?? (await import('../store/db.js')).openDatabase(path, { mustExist: true });
  try {
    const hits: SearchHit[] = [];
    for (let before: Keyset | undefined; hits.length < limit;) {
      const page = sqlite.searchPage(db, filter, Math.min(PAGE, limit - hits.length), before, SNIPPET_MARKS);
      hits.push(...page.hits);
      const last = page.hits.at(-1);
      if (!page.more || !last) break;
      before = { timestamp: last.timestamp, id: last.id };
    }
    return { hits, total: sqlite.countEntries(db, filter) };
  } finally {
    db.close();
  }
}

export async function searchCommand(args: string[]): Promise<number> {
  const split = splitQuery(args);
  const { values } = parseArgs({ args: split.options, options: OPTIONS });
  const query = split.query.join(' ');
  if (query.trim() === '') throw new UsageError('say what to search for');
  const { filter, errors } = parseSearch(query);
  if (errors.length > 0) throw new UsageError(errors.join('; '));
  // (A query with a part that cannot be read runs not at all, above: half a query is another query.)
  const limit = parsePositiveInteger('--limit', values.limit!);
  const timeoutMs = parsePositiveSeconds('--timeout', values.timeout!) * 1000;
  if (values.store !== undefined && values.db !== undefined) throw new UsageError('give --store or --db, not both');
  const store = values.store ?? values.db ?? (process.env['OMV_STORE'] || undefined);
  const onPostgres = store !== undefined && (await import('../store/pg/storeUrl.js')).isPostgresUrl(store);
  const sqlite = onPostgres ? null : await sqliteReads();
  // Started before the database is opened: opening a damaged or locked one counts too.
  const deadline = endProcessAfter(timeoutMs, `omv search: ${timeoutMessage('search', timeoutMs)} (--timeout sets the limit)\n`);
  let hits: SearchHit[];
  let total: number;
  try {
    if (sqlite === null) {
      writeDirect(2, `omv: store ${(await import('./servePostgres.js')).shownStoreUrl(store!)}\n`);
      ({ hits, total } = await (await import('./pgSearch.js')).searchPg(store!, filter, limit, PAGE, timeoutMs));
    } else ({ hits, total } = await searchSqlite(sqlite, store, filter, limit));
  } finally {
    deadline.cancel();
  }
  // Highlighted on a terminal, bracketed anywhere else. A character device, as node:tty (which
  // loads node:net, a few ms) would not say: /dev/null gets the colours too, and shows nothing.
  const [open, close] = fstatSync(1).isCharacterDevice() ? ['\x1b[1;33m', '\x1b[0m'] : ['[', ']'];
  let out = '';
  for (const hit of hits) {
    const who = hit.userId === null ? '(no user)' : hit.displayName ? `${hit.userId} (${hit.displayName})` : hit.userId;
    const invisible = hit.invisible ? ' [invisible]' : '';
    // The text is made safe before our own highlighting is put in.
    const text = forTerminal(hit.snippet.replace(/[\r\n]+/g, ' '))
      .replaceAll(SNIPPET_MARKS[0], open)
      .replaceAll(SNIPPET_MARKS[1], close);
    const where = forTerminal(`${hit.domainId ? `${hit.domainId}/` : ''}${hit.room}  ${who}`);
    out += `${new Date(hit.timestamp).toISOString()}  ${where}${invisible}: ${text}\n`;
  }
  // The same last line whatever was found, as the README gives it: a script reads it alike.
  out += `${hits.length} of ${total} hits shown\n`;
  writeDirect(1, out);
  return 0;
}
