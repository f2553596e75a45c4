// SQLite and PostgreSQL side by side on the same generated entries, in one run (issue #19): how
// fast each stores them through the seam, the copy of the SQLite file into PostgreSQL (omv
// migrate-store, COPY), `omv import` of one generated file into each (in turns, each into an empty
// store: entries/s and peak RSS), callbacks through `omv serve` on each (20 senders, 100-entry payloads),
// search per query kind (the first page with its count, as the desk asks it, and the exact
// count: p50 and p95), export rows/s, and the purge of a month. Figures, not a test: they depend
// on the machine. PostgreSQL runs as a throwaway cluster (test/support/postgres.ts); without its
// server binaries this part of the bench is said and skipped.
//   npm run bench -- --only engines [--entries N]
import autocannon from 'autocannon';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { parseDelivery } from '../main/parser/deliveryPayload.js';
import { purgeBefore } from '../main/retention/purge.js';
import { openDatabase } from '../main/store/db.js';
import type { StoreEngine } from '../main/store/engine.js';
import { openPgEngine, type PgEngine } from '../main/store/pg/engine.js';
import { openSqliteEngine } from '../main/store/sqliteEngine.js';
import { parseSearch } from '../shared/searchQuery.js';
import { postgresBin, startPostgres, type PgCluster } from '../test/support/postgres.js';
import { syntheticPayload } from '../test/support/synthetic.js';
import { writeSyntheticFile } from '../test/support/syntheticFile.js';
import type { Report } from './ui.js';

const CLI = fileURLToPath(new URL('../main/cli.js', import.meta.url));
const RUNS = 30;
const PER_DELIVERY = 20_000;
const CALLBACKS = 2_000;
const SENDERS = 20;
/** Each of the generated deliveries' entries fall in a month of their own (2024-01, 2024-02, …): a purge of the first month is a month's purge. */
const monthOf = (i: number) => Date.UTC(2024, i, 1);

const KINDS: Array<[kind: string, query: string]> = [
  ['common word', 'the'],
  ['rare word', 'kaloru'],
  ['two words', 'hello game'],
  ['phrase', '"the chat"'],
  ['phrase of common words, rarer', '"hello game"'],
  ['prefix', 'ka*'],
  ['exclusion only', '-the'],
  ['word in a room', 'the in:room-3'],
  ['word from a user', 'hello from:user_3'],
  ['word in a week', 'the after:2024-01-03 before:2024-01-10'],
];

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function time(ask: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await ask(); // warm
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await ask();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function load(store: StoreEngine, entries: number): Promise<number> {
  const start = performance.now();
  for (let i = 0, left = entries; left > 0; i++, left -= PER_DELIVERY) {
    const xml = syntheticPayload({ entries: Math.min(PER_DELIVERY, left), rooms: 30, seed: 7 + i, start: monthOf(i % 12) + 86_400_000 });
    const bytes = Buffer.from(xml);
    await store.writes.receive(
      {
        source: 'callback',
        function: 'sendArchive',
        domainId: 'd1',
        type: null,
        callId: `load-${i}`,
        receivedAt: Date.now(),
        payload: bytes,
        payloadSize: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      },
      parseDelivery('sendArchive', bytes),
    );
  }
  return (performance.now() - start) / 1000;
}

/** `omv serve` on a store, receive only, as a process of its own. */
async function serve(store: string): Promise<{ url: URL; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--store', store, '--no-viewer', '--quiet', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const found = /receiving callbacks at (\S+)/.exec(out);
      if (found) resolve(new URL(found[1]!));
    });
    child.on('exit', (code) => reject(new Error(`omv serve exited ${code}`)));
  });
  return { url, stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))) };
}

async function callbacks(store: string): Promise<{ rate: number; p50: number; p99: number; ok: number; other: number }> {
  const bodies = Array.from(
    { length: CALLBACKS },
    (_, n) =>
      `xmlData=${encodeURIComponent(
        syntheticPayload({
          entries: 100,
          rooms: 1,
          seed: 1000 + n,
          start: Date.now() + n * 10_000,
          root: 'messageOffline',
          attributes: ` type="chat"`,
        }),
      )}`,
  );
  const server = await serve(store);
  let n = 0;
  const started = performance.now();
  let last = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const run = autocannon(
      {
        url: server.url.origin,
        connections: SENDERS,
        amount: CALLBACKS,
        requests: [
          {
            method: 'POST',
            setupRequest: (request) => {
              const i = n++ % CALLBACKS;
              return {
                ...request,
                path: `${server.url.pathname}?function=sendOfflineMessages&domainID=bench&type=chat&callID=${i}`,
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: bodies[i]!,
              };
            },
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    run.on('response', () => (last = performance.now()));
  });
  await server.stop();
  return {
    rate: result['2xx'] / ((last - started) / 1000),
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    other: result.non2xx + result.errors,
  };
}

/** The generated file `omv import` takes in turns into each store: at most this many entries (the rest of the bench's scale says nothing more of it). */
const IMPORT_ENTRIES = 1_000_000;
const IMPORT_ROUNDS = 2;

/** One `omv import` of `file`, in its own process (under /usr/bin/time -v, when there is one, for its peak RSS). */
function importOnce(target: string[], file: string): { seconds: number; rssMb: number | null } {
  const timed = existsSync('/usr/bin/time');
  const command = [CLI, 'import', ...target, file];
  const started = performance.now();
  const run = timed
    ? spawnSync('/usr/bin/time', ['-v', process.execPath, ...command], { encoding: 'utf8', maxBuffer: 16 << 20 })
    : spawnSync(process.execPath, command, { encoding: 'utf8', maxBuffer: 16 << 20 });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`omv import ${target.join(' ')} failed: ${run.stdout}${run.stderr}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr ?? '');
  return { seconds, rssMb: rss ? Number(rss[1]) / 1024 : null };
}

/** omv import of the same file into an empty SQLite file and an empty PostgreSQL database, in turns. */
async function importBoth(dir: string, cluster: PgCluster, entries: number, report: Report): Promise<void> {
  const count = Math.min(entries, IMPORT_ENTRIES);
  const file = join(dir, 'engines-import.xml');
  await writeSyntheticFile(file, { entries: count, rooms: 500, seed: 1 });
  const runs: Array<{ sqlite: ReturnType<typeof importOnce>; pg: ReturnType<typeof importOnce> }> = [];
  for (let round = 0; round < IMPORT_ROUNDS; round++) {
    const sqlite = importOnce(['--db', join(dir, `engines-import-${round}.sqlite`)], file);
    cluster.run('createdb', ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', `imported${round}`]);
    const pgRun = importOnce(['--store', cluster.url.replace(/\/omv$/, `/imported${round}`)], file);
    runs.push({ sqlite, pg: pgRun });
  }
  const rate = (r: { seconds: number }) => fmt(count / r.seconds);
  const rss = (r: { rssMb: number | null }) => (r.rssMb === null ? '' : `, peak RSS ${fmt(r.rssMb)} MB`);
  const best = (which: 'sqlite' | 'pg') => runs.map((r) => r[which]).sort((a, b) => a.seconds - b.seconds)[0]!;
  report(
    `engines: omv import of one ${fmt(count)}-entry file into an empty store, ${IMPORT_ROUNDS} turns each`,
    runs
      .map((r, i) => `turn ${i + 1}: SQLite ${rate(r.sqlite)} entries/s${rss(r.sqlite)}; PostgreSQL ${rate(r.pg)} entries/s${rss(r.pg)}`)
      .join('; '),
    `PostgreSQL (COPY, a transaction per 50,000 events) = ${fmt(best('sqlite').seconds / best('pg').seconds, 2)}× SQLite's rate (bulk load), best turns`,
  );
}

async function exportRate(store: StoreEngine): Promise<number> {
  const started = performance.now();
  let rows = 0;
  for await (const entry of store.reads.exportEntries({})) if (entry) rows += 1;
  return rows / ((performance.now() - started) / 1000);
}

export async function enginesBench(dir: string, entries: number, report: Report): Promise<void> {
  if (postgresBin() === null) {
    report('SQLite and PostgreSQL side by side', 'skipped: PostgreSQL 15+ server binaries are not installed (apt-get install postgresql)');
    return;
  }
  const sqlitePath = join(dir, 'engines.sqlite');
  const cluster: PgCluster = await startPostgres({ manualStop: true, settings: { shared_buffers: '256MB', max_wal_size: '4GB' } });
  let sqlite: StoreEngine | null = openSqliteEngine(sqlitePath);
  let postgres: PgEngine | null = null;
  try {
    postgres = await openPgEngine(cluster.url);
    const engines: Array<[string, StoreEngine]> = [
      ['SQLite', sqlite!],
      ['PostgreSQL', postgres],
    ];
    const stored = [];
    for (const [, store] of engines) stored.push(await load(store, entries));
    report(
      `engines: ${fmt(entries)} entries stored through the seam (20,000-entry deliveries)`,
      `SQLite ${fmt(entries / stored[0]!)} entries/s; PostgreSQL ${fmt(entries / stored[1]!)} entries/s`,
      `PostgreSQL = ${fmt(stored[0]! / stored[1]!, 2)}× SQLite's rate`,
    );

    // The copy of the file into PostgreSQL: omv migrate-store's COPY.
    cluster.run('createdb', ['-h', '127.0.0.1', '-p', String(cluster.port), '-U', 'postgres', 'copied']);
    const target = await openPgEngine(cluster.url.replace(/\/omv$/, '/copied'));
    const file = openDatabase(sqlitePath);
    const copyStarted = performance.now();
    await target.writes.copyFromSqlite(file, () => undefined);
    const copySeconds = (performance.now() - copyStarted) / 1000;
    file.close();
    await target.close();
    report(
      `engines: omv migrate-store of the SQLite file into PostgreSQL (COPY)`,
      `${fmt(entries / copySeconds)} entries/s (${fmt(copySeconds, 1)} s)`,
    );

    await importBoth(dir, cluster, entries, report);

    const analyze = new pg.Client(cluster.url);
    await analyze.connect();
    await analyze.query('VACUUM ANALYZE');
    await analyze.end();

    for (const [kind, query] of KINDS) {
      const { filter } = parseSearch(query);
      const figures: string[] = [];
      for (const call of ['search', 'count'] as const) {
        const measured = [];
        for (const [, store] of engines)
          measured.push(
            await time(() => (call === 'search' ? store.reads.search(filter, 50, ['[', ']']) : store.reads.countEntries(filter))),
          );
        figures.push(
          `${call}: SQLite p50 ${fmt(measured[0]!.p50, 1)} / p95 ${fmt(measured[0]!.p95, 1)} ms, PostgreSQL p50 ${fmt(measured[1]!.p50, 1)} / p95 ${fmt(measured[1]!.p95, 1)} ms`,
        );
      }
      report(`engines: search "${query}" (${kind}), ${RUNS} runs`, figures[0]!, `${figures[1]!} (PostgreSQL goal: p95 < 200 ms)`);
    }

    const exports = [await exportRate(sqlite!), await exportRate(postgres)];
    report(
      `engines: export every entry through the seam`,
      `SQLite ${fmt(exports[0]!)} rows/s; PostgreSQL ${fmt(exports[1]!)} rows/s`,
      `PostgreSQL goal ≥ 200,000 rows/s`,
    );

    // Purge of the first month: SQLite deletes in batches; PostgreSQL drops the month's table.
    const before = monthOf(1);
    const db = openDatabase(sqlitePath);
    const sqliteStarted = performance.now();
    const sqlitePurge = await purgeBefore(db, before, { moderator: 'bench' });
    const sqliteSeconds = (performance.now() - sqliteStarted) / 1000;
    db.close();
    const pgStarted = performance.now();
    const pgPurge = await postgres.writes.purge(before, { moderator: 'bench' });
    const pgSeconds = (performance.now() - pgStarted) / 1000;
    report(
      `engines: purge of a month (entries before ${new Date(before).toISOString().slice(0, 10)})`,
      `SQLite ${fmt(sqlitePurge.removed)} entries in ${fmt(sqliteSeconds, 2)} s; PostgreSQL ${fmt(pgPurge.removed)} in ${fmt(pgSeconds, 2)} s (${pgPurge.monthsDropped} month dropped as a table)`,
    );

    await sqlite!.close();
    sqlite = null;
    await postgres.close();
    postgres = null;
    const rates = [await callbacks(sqlitePath), await callbacks(cluster.url)];
    report(
      `engines: callbacks through omv serve, 100-entry payloads, ${SENDERS} senders`,
      `SQLite ${fmt(rates[0]!.rate)}/s p50 ${rates[0]!.p50} p99 ${rates[0]!.p99} ms; PostgreSQL ${fmt(rates[1]!.rate)}/s p50 ${rates[1]!.p50} p99 ${rates[1]!.p99} ms`,
      `answered 200: ${fmt(rates[0]!.ok)} and ${fmt(rates[1]!.ok)}, other answers or errors: ${rates[0]!.other} and ${rates[1]!.other} (PostgreSQL goal: ≥ 1,000/s, p99 < 50 ms)`,
    );
  } finally {
    await sqlite?.close().catch(() => undefined);
    await postgres?.close().catch(() => undefined);
    cluster.stop();
  }
}
