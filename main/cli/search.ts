// omv search: the newest entries matching search text, one readable line each.
import { parseArgs } from 'node:util';
import { searchEntries } from '../store/entrySearch.js';
import { openDatabaseFor, parsePositiveInteger, UsageError } from './common.js';

export const usage = `omv search [--db FILE] [--limit N] QUERY
  Full-text search of message content, newest first: words, "phrases", prefix*, -excluded.
  --limit  how many hits to show (default 20)`;

export async function searchCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { db: { type: 'string' }, limit: { type: 'string', default: '20' } },
  });
  const query = positionals.join(' ');
  if (query.trim() === '') throw new UsageError('say what to search for');
  const limit = parsePositiveInteger('--limit', values.limit!);
  const db = openDatabaseFor(values.db, { mustExist: true });
  const marks: [string, string] = process.stdout.isTTY ? ['\x1b[1;33m', '\x1b[0m'] : ['[', ']'];
  const { hits, total, capped } = searchEntries(db, { text: query }, limit, marks);
  for (const hit of hits) {
    const who = hit.userId === null ? '(no user)' : hit.displayName ? `${hit.userId} (${hit.displayName})` : hit.userId;
    const invisible = hit.invisible ? ' [invisible]' : '';
    const text = hit.snippet.replace(/[\r\n]+/g, ' ');
    process.stdout.write(`${new Date(hit.timestamp).toISOString()}  ${hit.domainId ? `${hit.domainId}/` : ''}${hit.room}  ${who}${invisible}: ${text}\n`);
  }
  process.stdout.write(`${total === 0 ? 'no hits' : `${hits.length} of ${capped ? 'more than ' : ''}${total} hits shown`}\n`);
  db.close();
  return 0;
}
