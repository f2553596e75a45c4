// Imports saved payload files of any size: streamed through the same parser as the callbacks,
// written in large batched transactions, so memory stays flat and an interrupted import leaves a
// consistent database. Running it again adds only what is missing (entries are deduplicated).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import type { PayloadEvent } from '../shared/payload.js';
import { PayloadError } from './parser/parse.js';
import { parseFileInWorker } from './parser/parseFile.js';
import type { Db } from './store/db.js';
import {
  countDuplicate,
  findDeliveryByContent,
  finishDelivery,
  insertDelivery,
  keepPayload,
  quarantineDelivery,
  reopenQuarantined,
} from './store/deliveries.js';
import { PayloadWriter } from './store/payloadWriter.js';

export type ImportStatus = 'new' | 'duplicate' | 'failed';

export interface ImportResult {
  path: string;
  status: ImportStatus;
  deliveryId: number | null;
  entries: number;
  newEntries: number;
  /** For a failed file: why, with line and column where the parser stopped. */
  error?: string;
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
}

/**
 * The page cache for a connection opened just to import (omv import): smaller than the viewer's,
 * as an import writes far more pages than it reads back, and its peak memory is what a big file
 * costs (10M entries: under 300 MB).
 */
export const IMPORT_CACHE_MIB = 16;

/** Raw bytes of files up to this size are kept with a failed import, so quarantine retry works. */
const KEEP_PAYLOAD_BYTES = 16 * 1024 * 1024;
const CHUNK_BYTES = 1 << 20;

/** The XML files a list of paths names: files as given, folders searched for *.xml. */
export async function collectXmlFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    // A path that cannot be read is passed on as a file, to fail on its own line.
    const isFolder = await stat(path).then((s) => s.isDirectory(), () => false);
    if (isFolder) {
      const entries = await readdir(path, { recursive: true, withFileTypes: true });
      const found = entries.filter((e) => e.isFile() && e.name.toLowerCase().endsWith('.xml')).map((e) => join(e.parentPath ?? e.path, e.name));
      files.push(...found.sort());
    } else {
      files.push(path);
    }
  }
  return files;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function importFile(db: Db, path: string, options: ImportOptions = {}): Promise<ImportResult> {
  const absolute = resolve(path);
  const domainId = options.domainId ?? '';
  const batchSize = options.batchSize ?? 20_000;
  const { size } = await stat(absolute);
  const sha256 = await sha256OfFile(absolute);

  const done = findDeliveryByContent(db, sha256, 'stored');
  if (done !== null) {
    countDuplicate(db, done, Date.now());
    return { path, status: 'duplicate', deliveryId: done, entries: 0, newEntries: 0 };
  }
  const deliveryId =
    findDeliveryByContent(db, sha256, 'importing') ??
    reopenQuarantined(db, sha256) ??
    insertDelivery(
      db,
      { source: 'import', function: null, domainId, type: null, callId: null, receivedAt: Date.now(), payload: null, payloadSize: size, sha256, filePath: absolute },
      'importing',
    );
  const writer = new PayloadWriter(db, { deliveryId, domainId, receivedAt: Date.now() });
  const writeBatch = db.transaction((events: Iterable<PayloadEvent>) => {
    for (const event of events) writer.apply(event);
    writer.flush();
  });
  try {
    // Parsed on a worker thread: this one only stores.
    for await (const step of parseFileInWorker(absolute, { batchSize, chunkBytes: CHUNK_BYTES })) {
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
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    // what came before the error is well-formed and ours to keep (stored already)
    const reason = `malformed payload at ${error.message}`;
    if (size <= KEEP_PAYLOAD_BYTES) keepPayload(db, deliveryId, await readFile(absolute));
    quarantineDelivery(db, deliveryId, reason);
    return { path, status: 'failed', deliveryId, entries: writer.counts.entries, newEntries: writer.counts.newEntries, error: `${path}:${error.message}` };
  }
  db.transaction(() => finishDelivery(db, deliveryId, writer, writer.callId))();
  const status: ImportStatus = writer.counts.newEntries > 0 || writer.counts.entries === 0 ? 'new' : 'duplicate';
  return { path, status, deliveryId, entries: writer.counts.entries, newEntries: writer.counts.newEntries };
}
