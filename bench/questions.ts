// npm run bench:questions [-- --entries N]: settles the store's open design questions by measuring
// them on generated data, and prints what it found:
//   - SQLite page size: 4096 (the default we use) against 8192 and 16384;
//   - FTS5 with external content (ours) against contentless, and what the prefix index costs;
//   - a trigram index for substring search, against a LIKE scan.
// Ratios within one run are what to read: absolute times drift on a shared 2-core machine.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { importFile } from '../main/intake/fileImport.js';
import { openDatabase } from '../main/store/db.js';
import { entryPage } from '../main/store/entryQuery.js';
import { searchEntries } from '../main/store/entrySearch.js';
import { writeSyntheticFile } from '../test/support/syntheticFile.js';
import { errorMessage } from '../shared/errorMessage.js';

const fmt = (n: number, digits = 1) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const megabytes = (path: string) => statSync(path).size / 1e6;

function p50(runs: number, fn: () => unknown): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/** A database file with the given page size, then opened as `omv` opens it (schema included). */
function openWithPageSize(path: string, pageSize: number): Database.Database {
  const fresh = new Database(path);
  fresh.pragma(`page_size = ${pageSize}`);
  fresh.exec('CREATE TABLE page_size_probe (x); DROP TABLE page_size_probe;');
  fresh.close();
  return openDatabase(path);
}

async function pageSizes(dir: string, file: string, entries: number): Promise<void> {
  process.stdout.write(`\nPage size (import ${fmt(entries, 0)} entries, then query):\n`);
  for (const pageSize of [4096, 8192, 16384]) {
    const path = join(dir, `page-${pageSize}.sqlite`);
    const db = openWithPageSize(path, pageSize);
    const started = performance.now();
    await importFile(db, file);
    const seconds = (performance.now() - started) / 1000;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const middle = db
      .prepare<[number], { ts: number; id: number }>('SELECT ts, id FROM entries ORDER BY ts, id LIMIT 1 OFFSET ?')
      .get(Math.floor(entries / 2))!;
    const page = p50(20, () => entryPage(db, {}, 200, { timestamp: middle.ts, id: middle.id }, 'after'));
    const common = p50(10, () => searchEntries(db, { text: 'the' }, 50, ['[', ']']));
    const phrase = p50(10, () => searchEntries(db, { text: '"hello you"' }, 50, ['[', ']']));
    const prefix = p50(10, () => searchEntries(db, { text: 'kar*' }, 50, ['[', ']']));
    process.stdout.write(
      `  ${String(pageSize).padStart(5)}: import ${fmt(entries / seconds, 0)} entries/s, file ${fmt(megabytes(path), 0)} MB, ` +
        `timeline page p50 ${fmt(page, 2)} ms, search p50: the ${fmt(common)} ms, "hello you" ${fmt(phrase)} ms, kar* ${fmt(prefix)} ms\n`,
    );
    db.close();
  }
}

interface FtsVariant {
  name: string;
  create: string;
}

/** Builds each FTS5 variant over the same content in a file of its own; reports build rate, size and query times. */
function ftsVariants(dir: string, source: string, entries: number): void {
  process.stdout.write(`\nFTS5 index variants over the same ${fmt(entries, 0)} messages:\n`);
  const unicode = "tokenize = 'unicode61 remove_diacritics 2'";
  const variants: FtsVariant[] = [
    {
      name: 'external content, prefix 2 3 (ours)',
      create: `CREATE VIRTUAL TABLE fts USING fts5(content, content = 'entries', content_rowid = 'id', ${unicode}, prefix = '2 3')`,
    },
    {
      name: 'external content, no prefix index',
      create: `CREATE VIRTUAL TABLE fts USING fts5(content, content = 'entries', content_rowid = 'id', ${unicode})`,
    },
    { name: 'contentless, prefix 2 3', create: `CREATE VIRTUAL TABLE fts USING fts5(content, content = '', ${unicode}, prefix = '2 3')` },
    {
      name: 'trigram, external content',
      create: "CREATE VIRTUAL TABLE fts USING fts5(content, content = 'entries', content_rowid = 'id', tokenize = 'trigram')",
    },
  ];
  for (const variant of variants) {
    const path = join(dir, `fts-${variant.name.replace(/\W+/g, '-')}.sqlite`);
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec(`ATTACH '${source}' AS source`);
    db.exec(
      'CREATE TABLE entries (id INTEGER PRIMARY KEY, content TEXT); INSERT INTO entries SELECT id, content FROM source.entries WHERE content IS NOT NULL;',
    );
    db.exec('DETACH source');
    db.pragma('wal_checkpoint(TRUNCATE)');
    const before = megabytes(path);
    db.exec(variant.create);
    const started = performance.now();
    db.exec('INSERT INTO fts (rowid, content) SELECT id, content FROM entries');
    const seconds = (performance.now() - started) / 1000;
    db.pragma('wal_checkpoint(TRUNCATE)');
    const indexMb = megabytes(path) - before;
    const match = db.prepare<[string], number>('SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid DESC LIMIT 50').pluck();
    const trigram = variant.name.startsWith('trigram');
    const queries = trigram ? ['"llo yo"', '"belne"', '"kar"'] : ['"the"', '"hello you"', '"kar"*'];
    const times = queries
      .map(
        (q) =>
          `${q} ${fmt(
            p50(10, () => match.all(q)),
            2,
          )} ms`,
      )
      .join(', ');
    let snippets = 'yes';
    try {
      const got = db
        .prepare<[], string | null>("SELECT snippet(fts, 0, '[', ']', '…', 8) FROM fts WHERE fts MATCH '\"the\"' LIMIT 1")
        .pluck()
        .get();
      if (got === null || got === undefined || !got.includes('[')) snippets = 'no (no text to cut them from)';
    } catch (error) {
      snippets = `no (${errorMessage(error)})`;
    }
    let baseline = '';
    if (trigram) {
      const like = db
        .prepare<[string], number>("SELECT id FROM entries WHERE content LIKE '%' || ? || '%' ORDER BY id DESC LIMIT 50")
        .pluck();
      const likeAll = db.prepare<[string], number>("SELECT count(*) FROM entries WHERE content LIKE '%' || ? || '%'").pluck();
      const countTri = db.prepare<[string], number>('SELECT count(*) FROM fts WHERE fts MATCH ?').pluck();
      baseline =
        `\n      substring "belne" newest 50: LIKE ${fmt(
          p50(5, () => like.all('belne')),
          2,
        )} ms; count all: trigram ${fmt(
          p50(5, () => countTri.get('"belne"')),
          1,
        )} ms, ` +
        `LIKE scan ${fmt(
          p50(3, () => likeAll.get('belne')),
          1,
        )} ms`;
    }
    process.stdout.write(
      `  ${variant.name}: builds at ${fmt(entries / seconds, 0)} rows/s, index ${fmt(indexMb, 0)} MB; newest 50 matches: ${times}; snippets: ${snippets}${baseline}\n`,
    );
    db.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { entries: { type: 'string', default: '300000' } } });
  const entries = Number(values.entries);
  const dir = mkdtempSync(join(tmpdir(), 'omv-questions-'));
  try {
    const file = join(dir, 'chat.xml');
    await writeSyntheticFile(file, { entries, rooms: 20, seed: 5 });
    process.stdout.write(
      `omv bench:questions — node ${process.version}, ${new Date().toISOString()}, ${fmt(entries, 0)} generated entries in 20 rooms\n`,
    );
    await pageSizes(dir, file, entries);
    ftsVariants(dir, join(dir, 'page-4096.sqlite'), entries);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
