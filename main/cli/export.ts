// omv export: entries as CSV (or JSON Lines), in timestamp order, streamed page by page.
import { createWriteStream, existsSync, openSync } from 'node:fs';
import { finished, pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { EntryFilter } from '../../shared/api.js';
import { parseSearch } from '../../shared/searchQuery.js';
import { exportInWorker } from '../export/entryExport.js';
import { hashedOutput, recordExport, recordExportFailure, recordExportStart, writeExportManifest } from '../export/manifest.js';
import { errorMessage } from '../../shared/errorMessage.js';
import { cliActor, openDatabaseFor, parsePositiveSeconds, parseTimeArgument, UsageError } from './common.js';
import { terminalStream } from './terminalStream.js';
import { pseudonymSalt } from '../store/settings.js';

/**
 * The --out file, opened before any work: an existing file (and its manifest) may be evidence
 * someone relies on, so it is replaced only with --force. Opened exclusively: no race with another
 * export naming the same file.
 */
function openOutput(path: string, force: boolean | undefined): number {
  const refuse = (existing: string) => new UsageError(`${existing} exists already: name a new --out FILE, or add --force to replace it`);
  if (!force && existsSync(`${path}.manifest.json`)) throw refuse(`${path}.manifest.json`);
  try {
    return openSync(path, force ? 'w' : 'wx');
  } catch (error) {
    throw (error as { code?: string }).code === 'EEXIST' ? refuse(path) : error;
  }
}

export async function exportCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      db: { type: 'string' },
      out: { type: 'string' },
      room: { type: 'string' },
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
    user: values.user,
    type: values.type,
    from: values.from === undefined ? undefined : parseTimeArgument('--from', values.from, 'start'),
    to: values.to === undefined ? undefined : parseTimeArgument('--to', values.to, 'end'),
  };
  const filter: EntryFilter = {
    ...searched.filter,
    ...Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)),
  };
  const db = openDatabaseFor(values.db, { mustExist: true }); // migrates it and says which; the worker reads it
  let outFd: number | null;
  try {
    outFd = values.out === undefined ? null : openOutput(values.out, values.force);
  } catch (error) {
    db.close();
    throw error;
  }
  const details = {
    format,
    query: values.query ?? null,
    filter,
    withReview: values['with-review'],
    moderator: cliActor(db).name,
    ids: values.pseudonymous ? ('pseudonymous' as const) : ('real' as const),
  };
  const destination = values.out ?? '(standard output)';
  // Recorded before the first byte leaves: an export cut short (a closed pipe) is in the trail too.
  const started = recordExportStart(db, destination, details);
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
    rows = await exportInWorker(db.name, filter, out.stream, {
      format,
      neutraliseFormulas: !values.raw,
      withReview: values['with-review'],
      ...(values.pseudonymous ? { pseudonymSalt: pseudonymSalt(db) } : {}),
      onProgress: (sofar) => progress?.((written = sofar)),
      stallTimeoutMs,
    });
    out.stream.end();
    await finished(out.stream);
    // The pipe ends the file (or the terminal's stream) once the export's stream ends.
    if (file !== process.stdout) await (shown ?? finished(file));
  } catch (error) {
    recordExportFailure(db, started, written, errorMessage(error), details.moderator);
    throw error;
  }
  if (progress) process.stderr.write('\r\x1b[K');
  process.stderr.write(`omv: exported ${rows} entries${values.out ? ` to ${values.out}` : ''}\n`);
  if (values.out) {
    // The digest of the bytes as they went into the file: reading 100 MB back would add a second to a 1M-row export.
    const manifest = await writeExportManifest(db, values.out, { ...details, rows }, started, out.sha256());
    process.stderr.write(`omv: manifest ${values.out}.manifest.json (sha256 ${manifest.sha256}, audit row ${manifest.auditRow})\n`);
  } else {
    const recorded = recordExport(db, destination, out.sha256(), { ...details, rows }, started);
    process.stderr.write(
      `omv: no manifest for standard output (use --out FILE to get FILE.manifest.json); recorded as audit row ${recorded.auditRow} (sha256 ${recorded.sha256})\n`,
    );
  }
  db.close();
  return 0;
}
