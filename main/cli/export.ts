// omv export: entries as CSV (or JSON Lines), in timestamp order, streamed page by page.
import { createWriteStream, existsSync, fstatSync, openSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { EntryFilter } from '../../shared/api.js';
import { parseSearch } from '../../shared/searchQuery.js';
import { exportInWorker } from '../export/entryExport.js';
import {
  hashedOutput,
  recordExport,
  recordExportFailure,
  recordExportStart,
  writeManifestFile,
  type ExportDetails,
} from '../export/manifest.js';
import type { ExportManifest } from '../../shared/review.js';
import { isPostgresUrl } from '../store/pg/storeUrl.js';
import { errorMessage } from '../../shared/errorMessage.js';
import { chosenStore, cliActor, openDatabaseFor, parsePositiveSeconds, parseTimeArgument, UsageError } from './common.js';
import { terminalStream } from './terminalStream.js';
import { pseudonymSalt } from '../store/settings.js';

/**
 * The --out file, opened before any work: an existing file (and its manifest) may be evidence
 * someone relies on, so it is replaced only with --force. Opened exclusively: no race with another
 * export naming the same file.
 */
function openOutput(path: string, force: boolean | undefined): number {
  const refuse = (existing: string) => new UsageError(`${existing} exists already: name a new --out FILE, or add --force to replace it`);
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${path} is a folder: name a file for --out`);
  if (!force && existsSync(`${path}.manifest.json`)) throw refuse(`${path}.manifest.json`);
  try {
    return openSync(path, force ? 'w' : 'wx');
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EEXIST') throw refuse(path);
    const why =
      code === 'ENOENT' ? 'its folder does not exist' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : errorMessage(error);
    throw new Error(`cannot write ${path}: ${why}`);
  }
}

/**
 * Half an export under the name asked for would pass for the whole one (and keep filling the disk
 * that failed it): the file is closed, then removed, and the user told.
 */
async function removeUnfinished(path: string, file: Writable): Promise<void> {
  if (!file.closed) {
    file.destroy();
    await once(file, 'close').catch(() => undefined);
  }
  try {
    rmSync(path, { force: true });
    process.stderr.write(`omv: the unfinished ${path} was removed\n`);
  } catch (error) {
    process.stderr.write(`omv: the unfinished ${path} could not be removed: ${errorMessage(error)}\n`);
  }
}

/** What an export's rows come from and where it is recorded: a SQLite file, or a PostgreSQL database (pgExportSource.ts). */
export interface ExportSource {
  /** Who the trail records (--as, $OMV_MODERATOR, the desk's moderator, the OS user). */
  moderator: string;
  /** Records that the export begins; answers its audit row. */
  start(destination: string, details: Omit<ExportDetails, 'rows'>): Promise<number>;
  /** Writes the rows to `out`; answers how many. */
  write(out: Writable, onProgress: (rows: number) => void): Promise<number>;
  failed(started: number, rows: number, error: string): Promise<void>;
  /** Records the export done; answers its manifest. */
  recorded(file: string, sha256: string, details: ExportDetails, started: number): Promise<ExportManifest>;
  close(): Promise<void>;
}

export interface ExportSourceOptions {
  format: 'csv' | 'jsonl';
  neutraliseFormulas: boolean;
  withReview: boolean;
  pseudonymous: boolean;
  stallTimeoutMs: number;
}

function sqliteExportSource(path: string | undefined, filter: EntryFilter, options: ExportSourceOptions): ExportSource {
  const db = openDatabaseFor(path, { mustExist: true }); // migrates it and says which; the worker reads it
  const moderator = cliActor(db).name;
  return {
    moderator,
    start: async (destination, details) => recordExportStart(db, destination, details),
    write: (out, onProgress) =>
      exportInWorker(db.name, filter, out, {
        format: options.format,
        neutraliseFormulas: options.neutraliseFormulas,
        withReview: options.withReview,
        ...(options.pseudonymous ? { pseudonymSalt: pseudonymSalt(db) } : {}),
        onProgress,
        stallTimeoutMs: options.stallTimeoutMs,
      }),
    failed: async (started, rows, error) => void recordExportFailure(db, started, rows, error, moderator),
    recorded: async (file, sha256, details, started) => recordExport(db, file, sha256, details, started),
    close: async () => {
      db.close();
    },
  };
}

export async function exportCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      db: { type: 'string' },
      store: { type: 'string' },
      out: { type: 'string' },
      room: { type: 'string' },
      domain: { type: 'string' },
      user: { type: 'string' },
      type: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      query: { type: 'string' },
      raw: { type: 'boolean', default: false },
      format: { type: 'string', default: 'csv' },
      'with-review': { type: 'boolean', default: false },
      pseudonymous: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '30' },
      force: { type: 'boolean', default: false },
    },
  });
  if (values.force && !values.out) throw new UsageError('--force replaces the --out FILE: name one');
  if (values.format !== 'csv' && values.format !== 'jsonl') throw new UsageError(`--format takes csv or jsonl, not "${values.format}"`);
  const format: 'csv' | 'jsonl' = values.format;
  const stallTimeoutMs = parsePositiveSeconds('--timeout', values.timeout!) * 1000;
  // A search syntax error is a usage error, said before any work.
  const searched = values.query === undefined ? { filter: {}, errors: [] } : parseSearch(values.query);
  if (searched.errors.length > 0) throw new UsageError(`--query: ${searched.errors.join('; ')}`);
  const flags: EntryFilter = {
    room: values.room,
    domain: values.domain,
    user: values.user,
    type: values.type,
    from: values.from === undefined ? undefined : parseTimeArgument('--from', values.from, 'start'),
    to: values.to === undefined ? undefined : parseTimeArgument('--to', values.to, 'end'),
  };
  const filter: EntryFilter = {
    ...searched.filter,
    ...Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)),
  };
  if (flags.from !== undefined && flags.to !== undefined && flags.from > flags.to)
    throw new UsageError(`--from (${values.from}) is after --to (${values.to}): no entry is in between`);
  // --room names the room: the query's in: (rooms a name may mean) gives way to it, as from: does to --user.
  if (values.room !== undefined) delete filter.inRoom;
  const store = chosenStore(values.store, values.db);
  const onPostgres = store !== undefined && isPostgresUrl(store);
  const options = {
    format,
    neutraliseFormulas: !values.raw,
    withReview: values['with-review']!,
    pseudonymous: values.pseudonymous!,
    stallTimeoutMs,
  };
  const source = onPostgres
    ? await (await import('./pgExportSource.js')).pgExportSource(store!, filter, options)
    : sqliteExportSource(store, filter, options);
  try {
    const outFd = values.out === undefined ? null : openOutput(values.out, values.force);
    const outIsFile = outFd !== null && fstatSync(outFd).isFile();
    const details = {
      format,
      query: values.query ?? null,
      filter,
      withReview: values['with-review']!,
      moderator: source.moderator,
      ids: values.pseudonymous ? ('pseudonymous' as const) : ('real' as const),
    };
    const destination = values.out ?? '(standard output)';
    // Recorded before the first byte leaves: an export cut short (a closed pipe) is in the trail too.
    const started = await source.start(destination, details);
    // On a terminal, entries are shown with their control characters escaped; a file or pipe gets the exact text.
    const onTerminal = outFd === null && process.stdout.isTTY ? terminalStream() : null;
    const shown = onTerminal ? pipeline(onTerminal, process.stdout, { end: false }) : null;
    const file = outFd !== null ? createWriteStream(values.out!, { fd: outFd }) : (onTerminal ?? process.stdout);
    // Hashed as exported (before any escaping for a terminal): the trail names the bytes of the data.
    const out = hashedOutput(file);
    const progress = process.stderr.isTTY
      ? (rows: number) => process.stderr.write(`\r\x1b[Komv: ${rows.toLocaleString('en-US')} entries exported…`)
      : undefined;
    let written = 0;
    let rows: number;
    try {
      rows = await source.write(out.stream, (sofar) => {
        written = sofar;
        progress?.(sofar);
      });
      out.stream.end();
      await finished(out.stream);
      // The pipe ends the file (or the terminal's stream) once the export's stream ends.
      if (file !== process.stdout) await (shown ?? finished(file));
    } catch (error) {
      // Said beside the export's own error, which is what the user needs to see.
      await source.failed(started, written, errorMessage(error)).catch((recording: unknown) => {
        process.stderr.write(`omv: the export's failure could not be recorded in the trail: ${errorMessage(recording)}\n`);
      });
      // Only a file this export made or replaced: never a FIFO, a device or /dev/null named with --force.
      if (outIsFile) await removeUnfinished(values.out!, file);
      throw error;
    }
    if (progress) process.stderr.write('\r\x1b[K');
    process.stderr.write(`omv: exported ${rows} entries${values.out ? ` to ${values.out}` : ''}\n`);
    if (values.out) {
      // The digest of the bytes as they went into the file: reading 100 MB back would add a second to a 1M-row export.
      const manifest = await source.recorded(basename(values.out), out.sha256(), { ...details, rows }, started);
      await writeManifestFile(values.out, manifest).catch((error: unknown) => {
        throw new Error(
          `the export is whole in ${values.out} (audit row ${manifest.auditRow}, sha256 ${manifest.sha256}), but its manifest could not be written: ${errorMessage(error)}`,
        );
      });
      process.stderr.write(`omv: manifest ${values.out}.manifest.json (sha256 ${manifest.sha256}, audit row ${manifest.auditRow})\n`);
    } else {
      const recorded = await source.recorded(destination, out.sha256(), { ...details, rows }, started);
      process.stderr.write(
        `omv: no manifest for standard output (use --out FILE to get FILE.manifest.json); recorded as audit row ${recorded.auditRow} (sha256 ${recorded.sha256})\n`,
      );
    }
    return 0;
  } finally {
    await source.close();
  }
}
