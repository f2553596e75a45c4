// omv import into PostgreSQL: a saved payload file is a delivery, as fileImport.ts makes it on
// SQLite — hashed, a duplicate of a file stored before counted on it, one that cannot be read
// kept in quarantine with the reason (its bytes too, up to the limit) after what came before the
// error was stored. A message file's entries go in batches, each its own transaction (COPY into a
// staging table, then merged: store/pg/bulkImport.ts), so memory stays flat whatever the file's
// size and an import cut short leaves whole batches; its delivery stays 'importing' until the end,
// and importing the file again takes it up, adding only what is missing. Any other payload (an abuse
// report, a connection list: small) is written whole in one transaction by the receiver's writer.
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import type pg from 'pg';
import { errorMessage } from '../../shared/errorMessage.js';
import { ENTRY_PAYLOADS, type PayloadEvent } from '../../shared/payload.js';
import { parseBytes, PayloadError } from '../parser/parse.js';
import { parseInWorker } from '../parser/parseFile.js';
import { PgEntryImport } from '../store/pg/bulkImport.js';
import { inWriteTransaction, pgText, type WriteSession } from '../store/pg/connection.js';
import { claimImport, finishImport, keepPayload, quarantineImport, startImport, type Written } from '../store/pg/importDeliveries.js';
import { PURGE_LOCK } from '../store/pg/locks.js';
import { monthsAhead } from '../store/pg/partitions.js';
import { PgPayloadWriter } from '../store/pg/receipt.js';
import type { ImportOptions, ImportResult } from './fileImport.js';
import { asRegularFile, CHUNK_BYTES, IN_PROCESS_BYTES, KEEP_PAYLOAD_BYTES, readAll, sha256Of, storedStatus } from './importFiles.js';

/** Events per batch, and so per transaction: a batch's entries are held in memory while it is written. */
const BATCH_EVENTS = 50_000;

/** A failure of the store (not of the file): the delivery stays 'importing', and importing the file again completes it. */
class StoreFailure extends Error {
  constructor(readonly failure: unknown) {
    super(errorMessage(failure));
  }
}

/** What the store is asked outside a transaction: a failure of it is the store's, not the file's. */
async function stored<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new StoreFailure(error);
  }
}

/** A write in a transaction of the writer's that a purge does not run beside (locks.ts, as group commit takes it). */
async function written<T>(pool: pg.Pool, work: (session: WriteSession) => Promise<T>): Promise<T> {
  try {
    // Confirmed as a delivery's commit is: with a synchronous standby, what the import reports stored is on it too.
    return await inWriteTransaction(
      pool,
      async (session) => {
        await session.query('SELECT pg_advisory_xact_lock_shared($1)', [PURGE_LOCK]);
        return work(session);
      },
      { confirmed: true },
    );
  } catch (error) {
    throw new StoreFailure(error);
  }
}

export async function importFileToPg(pool: pg.Pool, path: string, options: ImportOptions = {}): Promise<ImportResult> {
  try {
    return await asRegularFile(path, options.stdin, (shownAs, file) => importRegularFile(pool, shownAs, file, options));
  } catch (error) {
    throw error instanceof StoreFailure ? error.failure : error;
  }
}

async function importRegularFile(pool: pg.Pool, path: string, file: string, options: ImportOptions): Promise<ImportResult> {
  const handle = await open(file);
  try {
    return await importOpenFile(pool, path, file, handle, options);
  } finally {
    await handle.close();
  }
}

/** The file's events a batch at a time, with the bytes read; its repairs once it is read; PayloadError after the batches before it. */
async function* batchesOf(
  file: string,
  handle: FileHandle,
  small: Buffer | null,
  repairs: { list: string[] },
): AsyncGenerator<{ events: PayloadEvent[]; bytesRead: number } | 'restart'> {
  if (small) {
    const events: PayloadEvent[] = [];
    let error: unknown = null;
    try {
      repairs.list = parseBytes(small, events).info.repairs;
    } catch (thrown) {
      error = thrown;
    }
    // What came before a malformed part is well-formed and ours to keep.
    yield { events, bytesRead: small.length };
    if (error) throw error;
    return;
  }
  for await (const step of parseInWorker({ path: file, fd: handle.fd }, { batchSize: BATCH_EVENTS, chunkBytes: CHUNK_BYTES })) {
    if (step.kind === 'done') repairs.list = step.info.repairs;
    else if (step.kind === 'restart') yield 'restart';
    else yield { events: [...step.events], bytesRead: step.bytesRead };
  }
}

interface Claimed {
  size: number;
  small: Buffer | null;
  spooled: boolean;
  deliveryId: number;
  domainId: string;
  receivedAt: number;
}

async function importOpenFile(
  pool: pg.Pool,
  path: string,
  file: string,
  handle: FileHandle,
  options: ImportOptions,
): Promise<ImportResult> {
  const domainId = options.domainId ?? '';
  const { size } = await handle.stat();
  const small = size <= IN_PROCESS_BYTES ? await handle.readFile() : null;
  const sha256 = small ? createHash('sha256').update(small).digest('hex') : await sha256Of(handle);
  const spooled = file !== resolve(path);
  const receivedAt = Date.now();
  const start = await stored(
    startImport(pool, {
      source: 'import',
      function: null,
      domainId,
      type: null,
      callId: null,
      receivedAt,
      payload: null,
      payloadSize: size,
      sha256,
      // A spooled copy is gone after this import: its bytes are kept instead (up to the limit).
      filePath: spooled ? null : file,
    }),
  );
  const { deliveryId } = start;
  if (start.status === 'duplicate') return { path, status: 'duplicate', deliveryId, entries: 0, newEntries: 0 };
  // Another omv importing the same file now holds its delivery: it is left to that one.
  const claim = await stored(claimImport(pool, deliveryId));
  if (claim === null)
    return {
      path,
      status: 'failed',
      deliveryId: null,
      entries: 0,
      newEntries: 0,
      error: `${path}: another omv is importing this file into this database now: import it again once that ends`,
    };
  try {
    return await importClaimed(pool, path, file, handle, options, { size, small, spooled, deliveryId, domainId, receivedAt });
  } finally {
    await claim.release();
  }
}

/** The file's entries into its delivery, this process holding the delivery's import. */
async function importClaimed(
  pool: pg.Pool,
  path: string,
  file: string,
  handle: FileHandle,
  options: ImportOptions,
  { size, small, spooled, deliveryId, domainId, receivedAt }: Claimed,
): Promise<ImportResult> {
  const context = { deliveryId, domainId: pgText(domainId), receivedAt };
  const entryImport = new PgEntryImport(context);
  /** A payload that is not a message file: its events, written whole at the end. */
  let others: PayloadEvent[] | null = null;
  const repairs = { list: [] as string[] };
  const writeOthers = async (session: WriteSession): Promise<Written> => {
    const writer = new PgPayloadWriter(session, context);
    for (const event of others ?? []) await writer.apply(event);
    await writer.flush();
    return writer;
  };
  const keepBytes = async () => {
    if (size <= KEEP_PAYLOAD_BYTES) await stored(keepPayload(pool, deliveryId, small ?? (await readAll(handle))));
  };
  try {
    for await (const batch of batchesOf(file, handle, small, repairs)) {
      if (batch === 'restart') {
        entryImport.counts.entries = 0;
        others = others && [];
        continue;
      }
      const first = batch.events[0];
      if (first?.kind === 'document' && !ENTRY_PAYLOADS.has(first.root)) others = [];
      if (others) {
        others.push(...batch.events);
        continue;
      }
      const timestamps = batch.events.flatMap((event) => (event.kind === 'entry' ? [event.entry.timestamp] : []));
      // The months' partitions first, outside the batch's transaction (partitions.ts).
      await stored(monthsAhead(pool, timestamps));
      await written(pool, (session) => entryImport.write(session, batch.events));
      // The event loop turns between batches, as fileImport.ts's does.
      await setImmediate();
      // A small file is read whole, at once: only a large one's batches are progress (as fileImport.ts reports).
      if (!small) options.onProgress?.({ path, bytesRead: batch.bytesRead, totalBytes: size, entries: entryImport.counts.entries });
    }
  } catch (error) {
    if (error instanceof StoreFailure) throw error;
    const failed = (message: string, counts: Written['counts']): ImportResult => ({
      path,
      status: 'failed',
      deliveryId,
      entries: counts.entries,
      newEntries: counts.newEntries,
      error: message,
    });
    const reason =
      error instanceof PayloadError ? `malformed payload at ${error.message}` : `could not be read to the end: ${errorMessage(error)}`;
    if (error instanceof PayloadError) await keepBytes();
    else if (spooled) await keepBytes().catch(() => {});
    if (others) await stored(monthsAhead(pool, timestampsOf(others)));
    const counts = await written(pool, async (session) => {
      const done = others ? await writeOthers(session) : entryImport;
      await quarantineImport(session, deliveryId, reason);
      return done.counts;
    });
    return failed(error instanceof PayloadError ? `${path}:${error.message}` : `${path}: ${reason}`, counts);
  }
  if (spooled) await keepBytes();
  if (others) await stored(monthsAhead(pool, timestampsOf(others)));
  const result = await written(pool, async (session) => {
    const done = others ? await writeOthers(session) : entryImport;
    await finishImport(session, deliveryId, done, repairs.list);
    return done;
  });
  const { entries, newEntries } = result.counts;
  return { path, status: storedStatus(result.root, result.counts), deliveryId, entries, newEntries, repairs: repairs.list };
}

function timestampsOf(events: PayloadEvent[]): number[] {
  return events.flatMap((event) => (event.kind === 'entry' ? [event.entry.timestamp] : []));
}
