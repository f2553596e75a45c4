// omv import: saved payload files or folders of them → the database, one line per file.
import { parseArgs } from 'node:util';
import { collectXmlFiles, IMPORT_CACHE_MIB, importFile, type ImportProgress, type ImportResult } from '../intake/fileImport.js';
import { auditImport } from '../store/audit.js';
import { cliActor, openDatabaseFor, UsageError } from './common.js';
import { forTerminal } from '../../shared/visibleText.js';

function describe(result: ImportResult): string {
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

function progressPrinter(): (progress: ImportProgress) => void {
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

export async function importCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { db: { type: 'string' }, domain: { type: 'string' } },
  });
  if (positionals.length === 0) throw new UsageError('name at least one file or folder to import');
  const db = openDatabaseFor(values.db, { cacheMiB: IMPORT_CACHE_MIB });
  const files = await collectXmlFiles(positionals);
  const onProgress = progressPrinter();
  const totals = { new: 0, duplicate: 0, failed: 0, entries: 0, newEntries: 0 };
  const moderator = cliActor(db).name;
  for (const file of files) {
    let result: ImportResult;
    try {
      result = await importFile(db, file, { domainId: values.domain ?? '', onProgress, bulk: true });
    } catch (error) {
      result = { path: file, status: 'failed', deliveryId: null, entries: 0, newEntries: 0, error: `${file}: ${(error as Error).message}` };
    }
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    process.stdout.write(`${forTerminal(describe(result))}\n`);
    auditImport(db, moderator, {
      file: result.path,
      status: result.status,
      entries: result.entries,
      newEntries: result.newEntries,
      deliveryId: result.deliveryId,
    });
    totals[result.status] += 1;
    totals.entries += result.entries;
    totals.newEntries += result.newEntries;
  }
  process.stdout.write(
    `${files.length} files: ${totals.new} new, ${totals.duplicate} duplicate, ${totals.failed} failed; ` +
      `${totals.entries} entries read, ${totals.newEntries} new\n`,
  );
  db.close();
  return totals.failed > 0 ? 1 : 0;
}
