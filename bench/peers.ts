// What a user would use instead of omv, measured beside it in the same run: a bare Node process
// (start-up), ripgrep over the raw XML and SQLite's own shell (search, export), a 30-line Python
// script (import). A tool that is not installed is said, not failed on.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { closeSync, openSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Report } from './ui.js';

export const CLI = fileURLToPath(new URL('../main/cli.js', import.meta.url));
/** The Python baseline lives in bench/ beside this file's source (not compiled). */
export const PYTHON_BASELINE = fileURLToPath(new URL('../../bench/baseline_import.py', import.meta.url));

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Whether a command runs here (`rg --version`, …); the install hint when it does not. */
export function tool(command: string, install: string): { ok: true } | { ok: false; why: string } {
  const probe = spawnSync(command, ['--version'], { stdio: 'ignore' });
  return probe.error || probe.status !== 0 ? { ok: false, why: `${command} is not installed (${install})` } : { ok: true };
}

export interface Timing {
  min: number;
  median: number;
}

const summary = (times: number[]): Timing => {
  const sorted = [...times].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]! };
};

/** Runs one command line to its end; its wall time in ms. Fails loudly on a non-zero exit. */
export function timeOnce(command: string, args: string[], options: SpawnSyncOptions = {}): number {
  const started = performance.now();
  const run = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26, ...options });
  const took = performance.now() - started;
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${run.status}: ${String(run.stderr ?? '').slice(0, 500)}`);
  return took;
}

/**
 * Several command lines timed in turns (a, b, c, a, b, c, …), so a machine that gets busier
 * during the run slows all of them alike. Each once unmeasured first (the page cache).
 */
export function timeInTurns(runs: number, commands: Array<[string, string[], SpawnSyncOptions?]>): Timing[] {
  for (const [command, args, options] of commands) timeOnce(command, args, options);
  const times = commands.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) commands.forEach(([command, args, options], k) => times[k]!.push(timeOnce(command, args, options)));
  return times.map(summary);
}

/** `omv --help` and `omv search` beside `node -e 0`: what a command costs before it does anything. */
export function startupBench(smallDb: string, report: Report): Timing {
  const node = process.execPath;
  const [bare, help, search] = timeInTurns(15, [
    [node, ['-e', '0']],
    [node, [CLI, '--help']],
    [node, [CLI, 'search', '--db', smallDb, 'hello']],
  ]);
  report(
    'omv --help (start-up)',
    `${fmt(help!.median)} ms median, ${fmt(help!.min)} ms best of 15`,
    `node -e 0: ${fmt(bare!.median)} ms median, ${fmt(bare!.min)} ms best; omv = ${fmt(help!.median / bare!.median, 2)}× bare Node (goal ≤ 1.5×)`,
  );
  report(
    'omv search on a 6-entry database',
    `${fmt(search!.median)} ms median, ${fmt(search!.min)} ms best of 15`,
    `${fmt(search!.median / bare!.median, 2)}× bare Node; ${fmt(search!.median - help!.median)} ms beyond omv --help`,
  );
  return help!;
}

/** A rare word: `omv search` beside ripgrep over the raw XML and an FTS join in SQLite's shell. */
export function cliSearchBench(db: string, xml: string, word: string, report: Report): void {
  const node = process.execPath;
  const commands: Array<[string, string[], SpawnSyncOptions?]> = [
    [node, [CLI, '--help']],
    [node, [CLI, 'search', '--db', db, word]],
  ];
  const rg = tool('rg', 'apt-get install -y ripgrep');
  const sqlite = tool('sqlite3', 'apt-get install -y sqlite3');
  if (rg.ok) commands.push(['rg', ['-c', '--fixed-strings', word, xml]]);
  if (sqlite.ok) {
    // The same page: the newest 20 matches with their room and user.
    const sql = `SELECT e.id, e.ts, r.name, u.user_id, e.content FROM entries_fts f JOIN entries e ON e.id = f.rowid
      JOIN rooms r ON r.id = e.room_id LEFT JOIN users u ON u.id = e.user_id
      WHERE entries_fts MATCH '${word}' ORDER BY e.ts DESC, e.id DESC LIMIT 20`;
    commands.push(['sqlite3', ['-readonly', db, sql]]);
  }
  const timings = timeInTurns(11, commands);
  const [help, search] = timings;
  const beyond = search!.median - help!.median;
  const peers = [
    rg.ok ? `ripgrep over the raw XML (${fmt(statSync(xml).size / 1e6)} MB) ${fmt(timings[2]!.median)} ms` : rg.why,
    sqlite.ok ? `sqlite3 FTS join ${fmt(timings[rg.ok ? 3 : 2]!.median)} ms (its whole process)` : sqlite.why,
  ];
  report(
    `omv search, a rare word (${word}), CLI`,
    `${fmt(search!.median)} ms median: ${fmt(beyond)} ms beyond start-up (goal < 20)`,
    `${peers.join('; ')}; omv --help ${fmt(help!.median)} ms`,
  );
}

/** The export's columns as SQLite's shell would write them, ISO time included. */
const SQLITE_EXPORT = `SELECT e.id AS entry_id, strftime('%Y-%m-%dT%H:%M:%fZ', e.ts / 1000.0, 'unixepoch') AS time_utc, e.ts AS timestamp_ms,
  r.domain_id, r.name AS room, e.type, u.user_id, e.display_name,
  CASE e.invisible WHEN 1 THEN 'true' WHEN 0 THEN 'false' END AS invisible, e.content, d.source, d.call_id
  FROM entries e JOIN rooms r ON r.id = e.room_id LEFT JOIN users u ON u.id = e.user_id JOIN deliveries d ON d.id = e.delivery_id
  ORDER BY e.ts, e.id`;

const megabytesOf = (file: string) => statSync(file).size / 1e6;

/** Turns of the export's three commands: the ratio is of medians, so one slow turn (a busy machine) moves neither side. */
const EXPORT_TURNS = 5;

/**
 * A full export and an export of a search, through the CLI, beside `sqlite3 -csv` of the same
 * columns, in turns (omv, sqlite3, omv's search, omv, …) after one unmeasured turn (the page cache).
 */
export function cliExportBench(db: string, dir: string, entries: number, commonWord: string, hits: number, report: Report): void {
  const node = process.execPath;
  const out = `${dir}/export.csv`;
  const searched = `${dir}/export-search.csv`;
  const sqliteOut = `${dir}/export-sqlite.csv`;
  const sqlite = tool('sqlite3', 'apt-get install -y sqlite3');
  const omvFull: [string, string[]] = [node, [CLI, 'export', '--db', db, '--out', out, '--force']];
  const omvSearch: [string, string[]] = [node, [CLI, 'export', '--db', db, '--query', commonWord, '--out', searched, '--force']];
  const shellExport = () => {
    const fd = openSync(sqliteOut, 'w');
    try {
      return timeOnce('sqlite3', ['-readonly', '-csv', '-header', db, SQLITE_EXPORT], { stdio: ['ignore', fd, 'pipe'] });
    } finally {
      closeSync(fd);
    }
  };
  // Each writes a new file: replacing one costs the writer ~70 ms at 140 MB (its pages dropped at the
  // open, and ext4 writes out a file truncated and rewritten at its close, seen here); sqlite3's file is
  // opened and closed by this process, outside its time, so neither pays it.
  const fresh = (file: string) => {
    rmSync(file, { force: true });
    rmSync(`${file}.manifest.json`, { force: true });
  };
  const turn = () => {
    fresh(out);
    const full = timeOnce(...omvFull);
    fresh(sqliteOut);
    const shell = sqlite.ok ? shellExport() : NaN;
    fresh(searched);
    return [full, shell, timeOnce(...omvSearch)];
  };
  turn();
  const timings: number[][] = [[], [], []];
  for (let i = 0; i < EXPORT_TURNS; i++) turn().forEach((took, k) => timings[k]!.push(took));
  const [full, shell, search] = timings.map((t) => summary(t));
  report(
    `export every entry as CSV (${fmt(entries)} rows), omv export --out, CLI`,
    `${fmt(full!.median / 1000, 2)} s median of ${EXPORT_TURNS} turns (best ${fmt(full!.min / 1000, 2)} s), ${fmt(entries / (full!.median / 1000))} rows/s (${fmt(megabytesOf(out))} MB)`,
    sqlite.ok
      ? `sqlite3 -csv of the same columns in the same turns ${fmt(shell!.median / 1000, 2)} s median (${fmt(megabytesOf(sqliteOut))} MB): omv = ${fmt(shell!.median / full!.median, 2)}× its speed (goal ≥ 1)`
      : sqlite.why,
  );
  report(
    `export of a search (${commonWord}: ${fmt(hits)} hits), omv export --query, CLI`,
    `${fmt(search!.median / 1000, 2)} s median of ${EXPORT_TURNS} turns, ${fmt(hits / (search!.median / 1000))} rows/s (goal ≥ 100,000)`,
    `the full export: ${fmt(entries / (full!.median / 1000))} rows/s`,
  );
}

/** The Python baseline's import of the same file: seconds and its peak RSS. */
export function pythonImport(xml: string, db: string): { seconds: number; maxRssMb: number; entries: number } | string {
  const python = tool('python3', 'apt-get install -y python3');
  if (!python.ok) return python.why;
  const started = performance.now();
  const run = spawnSync('python3', [PYTHON_BASELINE, xml, db], { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) return `the Python baseline failed: ${run.stderr.slice(0, 300)}`;
  const [entries, maxRssKb] = run.stdout.trim().split(/\s+/).map(Number);
  return { seconds, maxRssMb: maxRssKb! / 1024, entries: entries! };
}
