// The store at scale: search (with and without filters, beside a full-scan baseline), timeline
// pages anywhere in the data, export throughput and `omv serve` start-up.
import { spawn } from 'node:child_process';
import type { EntryFilter } from '../shared/api.js';
import { openDatabase, type Db } from '../main/store/db.js';
import { entryPage } from '../main/store/entryQuery.js';
import { searchEntries } from '../main/store/entrySearch.js';
import { createReadCalls } from '../main/api/readCalls.js';
import { startServe } from './serve.js';
import type { Report } from './ui.js';

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function timings(runs: number, fn: () => unknown): { p50: number; p95: number } {
  const times: number[] = [];
  fn(); // warm the page cache and the statement
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(runs / 2)]!, p95: times[Math.min(runs - 1, Math.floor(runs * 0.95))]! };
}

/** The least frequent word that still occurs in a few messages: the "rare word" of the set. */
export function rareWord(db: Db): string {
  db.exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab USING fts5vocab(main, 'entries_fts', 'row')");
  return (
    db
      .prepare<[], string>("SELECT term FROM temp.vocab WHERE doc >= 5 AND term GLOB '[a-z][a-z][a-z]*' ORDER BY doc, term LIMIT 1")
      .pluck()
      .get() ?? 'hello'
  );
}

export function searchBench(dbPath: string, report: Report): void {
  const db = openDatabase(dbPath);
  const entries = db.prepare('SELECT coalesce(sum(entry_count), 0) FROM rooms').pluck().get() as number;
  const span = db.prepare<[], { lo: number; hi: number }>('SELECT min(ts) AS lo, max(ts) AS hi FROM entries').get()!;
  const room = db.prepare<[], string>('SELECT name FROM rooms ORDER BY entry_count DESC LIMIT 1 OFFSET 1').pluck().get()!;
  const rare = rareWord(db);
  const week: EntryFilter = { from: span.lo + (span.hi - span.lo) * 0.45, to: span.lo + (span.hi - span.lo) * 0.55 };
  const queries: Array<[string, string, EntryFilter, string]> = [
    ['common word', 'the', {}, 'the'],
    ['rare word', rare, {}, rare],
    ['phrase', '"hello you"', {}, 'hello you'],
    ['prefix', 'kar*', {}, 'kar'],
    ['common word, in a room', 'the', { room }, 'the'],
    ['common word, from a user', 'hello', { user: 'user_1' }, 'hello'],
    ['common word, a tenth of the time range', 'hello', week, 'hello'],
    ['rare word, in a room', rare, { room }, rare],
  ];
  const like = db.prepare<[string], number>("SELECT count(*) FROM entries WHERE content LIKE '%' || ? || '%'").pluck();
  for (const [label, text, filter, scanned] of queries) {
    const search = timings(20, () => searchEntries(db, { ...filter, text }, 50, ['[', ']']));
    const scan = timings(2, () => like.get(scanned));
    report(
      `search first page (50), ${label}: ${text}`,
      `p50 ${fmt(search.p50)} ms, p95 ${fmt(search.p95)} ms`,
      `full scan (LIKE) ${fmt(scan.p50, 0)} ms: ${fmt(scan.p50 / search.p95, 0)}× faster at p95`,
    );
  }

  const reads = createReadCalls(db);
  const middle = db
    .prepare<[number], { ts: number; id: number }>('SELECT ts, id FROM entries WHERE ts >= ? ORDER BY ts, id LIMIT 1')
    .get((span.lo + span.hi) / 2)!;
  const pages: Array<[string, () => unknown]> = [
    ['newest page, all rooms', () => entryPage(db, {}, 200, undefined, 'before')],
    ['newest page, one room', () => entryPage(db, { room }, 200, undefined, 'before')],
    ['middle page (keyset)', () => entryPage(db, {}, 200, { timestamp: middle.ts, id: middle.id }, 'after')],
    ['oldest page', () => entryPage(db, {}, 200, { timestamp: -1, id: 0 }, 'after')],
    ['middle page of a time range (keyset)', () => entryPage(db, week, 200, { timestamp: middle.ts, id: middle.id }, 'after')],
    ['around an entry (context of 100 each side)', () => reads.context({ entryId: middle.id, radius: 100 })],
  ];
  for (const [label, fn] of pages) {
    const t = timings(30, fn);
    report(`timeline: ${label}, ${entries.toLocaleString('en-US')} entries`, `p50 ${fmt(t.p50, 2)} ms, p95 ${fmt(t.p95, 2)} ms`);
  }
  db.close();
}

/** Time from starting `omv serve` on the database to its URLs being printed. */
export async function startupBench(dbPath: string, report: Report): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const server = await startServe(dbPath);
    times.push(performance.now() - started);
    await server.stop();
  }
  const node = performance.now();
  await new Promise((resolve) => spawn(process.execPath, ['-e', '0']).on('exit', resolve));
  report(
    'omv serve: start to ready (listening, URL printed)',
    `${fmt(Math.min(...times), 0)} ms best of 3`,
    `a bare node process: ${fmt(performance.now() - node, 0)} ms`,
  );
}
