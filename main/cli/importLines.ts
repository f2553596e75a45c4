// What omv import says, whichever store it writes to: a line per file, the progress on a terminal,
// and the totals at the end.
import type { ImportProgress, ImportResult } from '../intake/fileImport.js';
import { errorMessage } from '../../shared/errorMessage.js';
import { forTerminal } from '../../shared/visibleText.js';

export function describe(result: ImportResult): string {
  switch (result.status) {
    case 'new':
      return `new        ${result.path}: ${result.entries} entries (${result.newEntries} new)`;
    case 'duplicate':
      return `duplicate  ${result.path}: nothing new`;
    case 'failed':
      if (result.deliveryId === null) return `failed     ${result.error}`;
      return `failed     ${result.error} (kept in quarantine as delivery ${result.deliveryId}; ${result.newEntries} new entries before the error were stored)`;
  }
}

export function progressPrinter(): (progress: ImportProgress) => void {
  if (!process.stderr.isTTY) return () => {};
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 200) return;
    last = now;
    const percent = p.totalBytes ? Math.floor((100 * p.bytesRead) / p.totalBytes) : 100;
    process.stderr.write(`\r\x1b[K${forTerminal(p.path)}: ${percent}% (${p.entries} entries)`);
  };
}

/** The files' results added up, for the last line. */
export class ImportTotals {
  readonly counts = { new: 0, duplicate: 0, failed: 0, entries: 0, newEntries: 0 };

  add(result: ImportResult): void {
    this.counts[result.status] += 1;
    this.counts.entries += result.entries;
    this.counts.newEntries += result.newEntries;
  }

  /** The line for one file (printed as it is done). */
  line(result: ImportResult): string {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    return `${forTerminal(describe(result))}\n`;
  }

  summary(files: number): string {
    const t = this.counts;
    return `${files} files: ${t.new} new, ${t.duplicate} duplicate, ${t.failed} failed; ${t.entries} entries read, ${t.newEntries} new\n`;
  }

  /** Exit status 1 when any file failed. */
  get status(): number {
    return this.counts.failed > 0 ? 1 : 0;
  }
}

/** What the trail's 'import' row says of a file. */
export type ImportAudit = Pick<ImportResult, 'status' | 'entries' | 'newEntries' | 'deliveryId'> & { file: string };

/**
 * Imports the files one after the other with `importOne` (a file that throws is a failed file, not
 * the end of the command), prints each one's line and records it with `audit` as it is done, then
 * the totals; answers the exit status.
 */
export async function importEach(
  files: string[],
  importOne: (file: string) => Promise<ImportResult>,
  audit: (details: ImportAudit) => void | Promise<unknown>,
): Promise<number> {
  const totals = new ImportTotals();
  // Not an error (a drop folder can be empty tonight), but never silent: a wrong path would pass for an empty one.
  if (files.length === 0) process.stderr.write('omv import: no .xml files in the folders named: nothing to import\n');
  for (const file of files) {
    let result: ImportResult;
    try {
      result = await importOne(file);
    } catch (error) {
      result = { path: file, status: 'failed', deliveryId: null, entries: 0, newEntries: 0, error: `${file}: ${errorMessage(error)}` };
    }
    process.stdout.write(totals.line(result));
    const { path, status, entries, newEntries, deliveryId } = result;
    await audit({ file: path, status, entries, newEntries, deliveryId });
    totals.add(result);
  }
  process.stdout.write(totals.summary(files.length));
  return totals.status;
}
