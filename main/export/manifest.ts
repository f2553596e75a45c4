// An export's manifest, FILE.manifest.json beside it: what was asked (query and filters), what came
// out (rows, first and last entry time, the file's SHA-256), by whom, when, with which omv, and the
// audit row that recorded it — so the evidence can be shown to be the file that was exported.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Transform, type Writable } from 'node:stream';
import { basename } from 'node:path';
import type { EntryFilter } from '../../shared/api.js';
import type { ExportManifest } from '../../shared/review.js';
import { appendAudit, appendAuditRow } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { where, whereSql } from '../store/entryQuery.js';

let version: string | undefined;
/** omv's version, from its package.json (read when the first manifest is made, not at start). */
function omvVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return version;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A stream that hashes what passes through it on its way to `out`: the manifest names exactly the bytes written. */
export function hashedOutput(out: Writable): { stream: Transform; sha256: () => string } {
  const hash = createHash('sha256');
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  stream.pipe(out);
  // An output that fails (a full disk, a closed pipe) or closes (a cancelled download) stops the
  // export, not stalls it: this stream is destroyed with the cause, which the export says
  // (outputGone.ts). Destroyed, it never calls back the writes it holds: the export's writer watches
  // for its error or its close, not for those.
  const gone = (error?: Error) => {
    if (!stream.writableFinished) stream.destroy(error ?? new Error('the output was closed before the export ended'));
  };
  out.once('close', () => gone());
  out.once('error', gone);
  // Read as the writer's failure (stream.errored), not thrown at whoever is not listening.
  stream.on('error', () => {});
  return { stream, sha256: () => hash.digest('hex') };
}

export interface ExportDetails {
  format: 'csv' | 'jsonl';
  query: string | null;
  filter: EntryFilter;
  withReview: boolean;
  rows: number;
  moderator: string;
  /** Whether the file names users by their IDs or by pseudonyms. */
  ids: 'real' | 'pseudonymous';
}

/**
 * Records that an export begins, before its first byte leaves: an export cut short (a download
 * cancelled, a pipe closed) is in the trail too. Answers the audit row.
 */
export function recordExportStart(db: Db, destination: string, details: Omit<ExportDetails, 'rows'>): number {
  return db.transaction(() => appendAudit(db, 'export started', details.moderator, exportStartDetails(destination, details))).immediate();
}

/** Records an export that did not finish: how far it got and why. */
export function recordExportFailure(db: Db, started: number, rows: number, error: string, moderator: string): number {
  return db.transaction(() => appendAudit(db, 'export failed', moderator, { started, rows, error })).immediate();
}

/** Records an export (its file's name and SHA-256) in the audit trail; answers its manifest. */
export function recordExport(db: Db, file: string, sha256: string, details: ExportDetails, started?: number): ExportManifest {
  const { clauses, params } = where(db, details.filter);
  // min() and max() in one query read the whole index; either alone is found at its end at once (~60 ms → 0 at 1M entries).
  const sql =
    clauses.length === 0
      ? 'SELECT (SELECT min(ts) FROM entries) AS first, (SELECT max(ts) FROM entries) AS last'
      : `SELECT min(e.ts) AS first, max(e.ts) AS last FROM entries e ${whereSql(clauses)}`;
  const span = db.prepare<Record<string, unknown>, { first: number | null; last: number | null }>(sql).get(params)!;
  const audit = db
    .transaction(() => appendAuditRow(db, 'export', details.moderator, exportDoneDetails(file, sha256, details, started)))
    .immediate();
  return exportManifest(file, sha256, details, span, audit);
}

/** An export's manifest: what was asked, what came out (rows, the span of their times, the file's digest), by whom, with which omv, and the audit row that recorded it. */
export function exportManifest(
  file: string,
  sha256: string,
  details: ExportDetails,
  span: { first: number | null; last: number | null },
  audit: { row: number; hash: string },
): ExportManifest {
  const iso = (ms: number | null) => (ms === null || details.rows === 0 ? null : new Date(ms).toISOString());
  return {
    file,
    format: details.format,
    query: details.query,
    filter: details.filter,
    withReview: details.withReview,
    ids: details.ids,
    rows: details.rows,
    firstEntryTime: iso(span.first),
    lastEntryTime: iso(span.last),
    sha256,
    omvVersion: omvVersion(),
    moderator: details.moderator,
    exportedAt: new Date().toISOString(),
    auditRow: audit.row,
    auditHash: audit.hash,
  };
}

/** What the trail's 'export started' row says (both engines write the same). */
export function exportStartDetails(destination: string, details: Omit<ExportDetails, 'rows'>): Record<string, unknown> {
  return {
    to: destination,
    format: details.format,
    query: details.query,
    filter: details.filter,
    withReview: details.withReview,
    ids: details.ids,
  };
}

/** What the trail's 'export' row says. */
export function exportDoneDetails(file: string, sha256: string, details: ExportDetails, started?: number): Record<string, unknown> {
  return {
    file,
    query: details.query,
    filter: details.filter,
    rows: details.rows,
    sha256,
    ids: details.ids,
    ...(started === undefined ? {} : { started }),
  };
}

export const manifestJson = (manifest: ExportManifest) => `${JSON.stringify(manifest, null, 2)}\n`;

/**
 * An export written to `path`: recorded, and its manifest written to `path`.manifest.json. `sha256`
 * is the digest of the bytes as they were written (hashedOutput); without it the file is read again.
 */
export async function writeExportManifest(
  db: Db,
  path: string,
  details: ExportDetails,
  started?: number,
  sha256?: string,
): Promise<ExportManifest> {
  const manifest = recordExport(db, basename(path), sha256 ?? (await sha256Of(path)), details, started);
  await writeManifestFile(path, manifest);
  return manifest;
}

/** The manifest of the export written to `path`, beside it: `path`.manifest.json. */
export async function writeManifestFile(path: string, manifest: ExportManifest): Promise<void> {
  await writeFile(`${path}.manifest.json`, manifestJson(manifest));
}
