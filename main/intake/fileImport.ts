// Imports saved payload files of any size: streamed through the same parser as the callbacks,
// written in large batched transactions, so memory stays flat and an interrupted import leaves a
// consistent database. Running it again adds only what is missing (entries are deduplicated).
// Small files, by far the most common, are read once and parsed here (a parser thread costs more
// to start than they take to parse); pipes and standard input are read once, into a spool file.
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { errorMessage } from '../../shared/errorMessage.js';
import type { PayloadEvent } from '../../shared/payload.js';
import { asRegularFile, CHUNK_BYTES, IN_PROCESS_BYTES, KEEP_PAYLOAD_BYTES, readAll, sha256Of, storedStatus } from './importFiles.js';
import { parseBytes, PayloadError } from '../parser/parse.js';
import { parseInWorker } from '../parser/parseFile.js';
import type { Db } from '../store/db.js';
import {
  countDuplicate,
  findDeliveryByContent,
  finishDelivery,
  insertDelivery,
  keepPayload,
  quarantineDelivery,
  reopenQuarantined,
} from '../store/deliveries.js';
import { beginBulkLoad, endBulkLoad, finishBulkLoad, worthBulkLoading, type BulkLoad } from '../store/bulkLoad.js';
import { claimImport, endImport, ImportInProgressError, releaseImport, touchImport } from '../store/importClaims.js';
import { PayloadWriter } from '../store/payloadWriter.js';

export { collectXmlFiles, STDIN } from './importFiles.js';

export type ImportStatus = 'new' | 'duplicate' | 'failed';

export interface ImportResult {
  path: string;
  status: ImportStatus;
  deliveryId: number | null;
  entries: number;
  newEntries: number;
  /** For a failed file: why, with line and column where the parser stopped. */
  error?: string;
  /** What had to be repaired to read it (see ParseInfo.repairs). */
  repairs?: string[];
}

export interface ImportProgress {
  path: string;
  bytesRead: number;
  totalBytes: number;
  entries: number;
}

export interface ImportOptions {
  domainId?: string;
  onProgress?: (progress: ImportProgress) => void;
  /** Events written per transaction. */
  batchSize?: number;
  /** Where standard input comes from (`-`); tests hand in their own stream. */
  stdin?: Readable;
  /**
   * May a large file be bulk loaded into an empty or much smaller database (store/bulkLoad.ts)?
   * `omv import` lets it; the desk does not (its receiver shares the connection, and its searches
   * would miss the file's entries until the end).
   */
  bulk?: boolean;
}

/**
 * The page cache for a connection opened just to import (omv import): smaller than the viewer's,
 * as an import writes far more pages than it reads back, and its peak memory is what a big file
 * costs (10M entries: under 300 MB).
 */
export const IMPORT_CACHE_MIB = 16;

/** Events a bulk load writes per transaction (a batch is cut at 8 MB of the file before that). */
const BULK_BATCH_EVENTS = 100_000;

export async function importFile(db: Db, path: string, options: ImportOptions = {}): Promise<ImportResult> {
  return asRegularFile(path, options.stdin, (shownAs, file) => importRegularFile(db, shownAs, file, options));
}

/**
 * Imports the regular file at `file`, reported as `path`. The file is opened once: what is hashed
 * is what is parsed, whatever happens to its name meanwhile.
 */
async function importRegularFile(db: Db, path: string, file: string, options: ImportOptions): Promise<ImportResult> {
  const handle = await open(file);
  try {
    return await importOpenFile(db, path, file, handle, options);
  } finally {
    await handle.close();
  }
}

async function importOpenFile(db: Db, path: string, file: string, handle: FileHandle, options: ImportOptions): Promise<ImportResult> {
  const domainId = options.domainId ?? '';
  const { size } = await handle.stat();
  const small = size <= IN_PROCESS_BYTES ? await handle.readFile() : null;
  const sha256 = small ? createHash('sha256').update(small).digest('hex') : await sha256Of(handle);

  const spooled = file !== resolve(path);
  // Found or made, and claimed, in one write transaction: another process importing the same
  // file at the same moment finds it claimed (importClaims.ts), or stored once that one is done.
  const take = db.transaction((): { duplicateOf: number } | { deliveryId: number } => {
    const done = findDeliveryByContent(db, sha256, domainId, 'stored');
    if (done !== null) {
      countDuplicate(db, done, Date.now());
      return { duplicateOf: done };
    }
    const deliveryId =
      findDeliveryByContent(db, sha256, domainId, 'importing') ??
      reopenQuarantined(db, sha256, domainId) ??
      insertDelivery(
        db,
        // A spooled copy is gone after this import: its bytes are kept instead (up to the limit).
        {
          source: 'import',
          function: null,
          domainId,
          type: null,
          callId: null,
          receivedAt: Date.now(),
          payload: null,
          payloadSize: size,
          sha256,
          filePath: spooled ? null : file,
        },
        'importing',
      );
    claimImport(db, deliveryId);
    return { deliveryId };
  });
  let taken: { duplicateOf: number } | { deliveryId: number };
  try {
    taken = take.immediate();
  } catch (error) {
    if (!(error instanceof ImportInProgressError)) throw error;
    return { path, status: 'failed', deliveryId: null, entries: 0, newEntries: 0, error: `${path}: ${error.message}` };
  }
  if ('duplicateOf' in taken) return { path, status: 'duplicate', deliveryId: taken.duplicateOf, entries: 0, newEntries: 0 };
  const { deliveryId } = taken;
  try {
    // Only a file parsed in batches is large enough to be worth it.
    const load = options.bulk && !small && worthBulkLoading(db, size) ? beginBulkLoad(db, deliveryId) : null;
    try {
      return await importInto(db, path, file, handle, options, { size, small, spooled, deliveryId, domainId }, load);
    } finally {
      if (load) endBulkLoad(load);
    }
  } finally {
    endImport(deliveryId);
  }
}

interface Started {
  size: number;
  small: Buffer | null;
  spooled: boolean;
  deliveryId: number;
  domainId: string;
}

async function importInto(
  db: Db,
  path: string,
  file: string,
  handle: FileHandle,
  options: ImportOptions,
  { size, small, spooled, deliveryId, domainId }: Started,
  load: BulkLoad | null,
): Promise<ImportResult> {
  // A bulk load indexes its entries' content when it finishes, not batch by batch.
  const writer = new PayloadWriter(db, { deliveryId, domainId, receivedAt: Date.now(), deferIndexing: load !== null });
  /** The end of the import, in the transaction that records its outcome: a bulk load's indexes are built there. */
  const finishing = (record: () => void) =>
    db.transaction(() => {
      if (load) finishBulkLoad(db, load);
      record();
      releaseImport(db, deliveryId);
    })();
  const writeBatch = db.transaction((events: Iterable<PayloadEvent>) => {
    for (const event of events) writer.apply(event);
    writer.flush();
    touchImport(db, deliveryId);
  });
  const keepBytes = async () => {
    if (size <= KEEP_PAYLOAD_BYTES) keepPayload(db, deliveryId, small ?? (await readAll(handle)));
  };
  let repairs: string[] = [];
  try {
    if (small) {
      const events: PayloadEvent[] = [];
      try {
        repairs = parseBytes(small, events).info.repairs;
      } finally {
        writeBatch(events); // what came before a malformed part is well-formed and ours to keep
      }
    } else {
      repairs = await importInBatches({ path: file, fd: handle.fd }, size, path, writer, writeBatch, {
        ...options,
        // A bulk load commits less often: a commit is a sync of everything written since the last.
        batchSize: options.batchSize ?? (load ? BULK_BATCH_EVENTS : undefined),
      });
    }
  } catch (error) {
    const failed = (message: string) =>
      ({
        path,
        status: 'failed',
        deliveryId,
        entries: writer.counts.entries,
        newEntries: writer.counts.newEntries,
        error: message,
      }) as const;
    if (error instanceof PayloadError) {
      await keepBytes();
      finishing(() => quarantineDelivery(db, deliveryId, `malformed payload at ${error.message}`));
      return failed(`${path}:${error.message}`);
    }
    // The store failed (a full disk, a lock): the delivery stays unfinished, and importing the
    // file again completes it. Nothing can be written to say more.
    if ((error as { code?: string }).code?.startsWith('SQLITE')) throw error;
    // It could not be read to the end (unreadable, a read error): kept in quarantine, so it is
    // listed and `omv quarantine retry` can take it up again.
    const reason = `could not be read to the end: ${errorMessage(error)}`;
    if (spooled) await keepBytes().catch(() => {});
    finishing(() => quarantineDelivery(db, deliveryId, reason));
    return failed(`${path}: ${reason}`);
  }
  if (spooled) await keepBytes();
  finishing(() => finishDelivery(db, deliveryId, writer, repairs));
  return {
    path,
    status: storedStatus(writer.root, writer.counts),
    deliveryId,
    entries: writer.counts.entries,
    newEntries: writer.counts.newEntries,
    repairs,
  };
}

/** A large file: parsed on a worker thread, written a batch per transaction. Returns its repairs. */
async function importInBatches(
  file: { path: string; fd: number },
  size: number,
  path: string,
  writer: PayloadWriter,
  writeBatch: (events: Iterable<PayloadEvent>) => void,
  options: ImportOptions,
): Promise<string[]> {
  for await (const step of parseInWorker(file, { batchSize: options.batchSize ?? 20_000, chunkBytes: CHUNK_BYTES })) {
    if (step.kind === 'done') return step.info.repairs;
    if (step.kind === 'restart') {
      writer.counts.entries = 0;
      continue;
    }
    writeBatch(step.events);
    // Between batches the event loop turns, even when the next batch is already here: a server
    // importing a file keeps answering its callbacks (tested).
    await setImmediate();
    options.onProgress?.({ path, bytesRead: step.bytesRead, totalBytes: size, entries: writer.counts.entries });
  }
  return [];
}
