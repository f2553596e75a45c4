// The files an import reads, whatever store it writes to: folders walked for XML files, a file
// hashed through one buffer, a pipe or standard input spooled to a file first, a file read whole;
// and what a stored file counts as.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, realpath, rm, stat, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { ENTRY_PAYLOADS, type PayloadKind } from '../../shared/payload.js';
import type { ImportStatus } from './fileImport.js';

/** Standard input, as a path on the command line. */
export const STDIN = '-';
/** Raw bytes of files up to this size are kept with a failed import, so quarantine retry works. */
export const KEEP_PAYLOAD_BYTES = 16 * 1024 * 1024;
/** Files up to this size are read once and parsed on this thread. */
export const IN_PROCESS_BYTES = 4 * 1024 * 1024;
export const CHUNK_BYTES = 1 << 20;

/**
 * The XML files a list of paths names: files as given, folders searched for *.xml (symbolic
 * links followed, each folder once). `-` is standard input.
 */
export async function collectXmlFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  const walk = async (folder: string): Promise<void> => {
    const real = await realpath(folder);
    if (seen.has(real)) return; // a link back up the tree
    seen.add(real);
    const found: string[] = [];
    const subfolders: string[] = [];
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const target = entry.isSymbolicLink() ? await stat(path).catch(() => null) : entry;
      if (target?.isDirectory()) subfolders.push(path);
      else if (target?.isFile() && entry.name.toLowerCase().endsWith('.xml')) found.push(path);
    }
    files.push(...found.sort());
    for (const subfolder of subfolders.sort()) await walk(subfolder);
  };
  for (const path of paths) {
    // A path that cannot be read is passed on as a file, to fail on its own line.
    const isFolder =
      path !== STDIN &&
      (await stat(path).then(
        (s) => s.isDirectory(),
        () => false,
      ));
    if (isFolder) await walk(path);
    else files.push(path);
  }
  return files;
}

/**
 * The file's SHA-256, read through one buffer: a read stream's new buffer for every chunk left
 * ~70 MB of them (177 MB file) for the garbage collector to find, and the import's peak memory began there.
 */
export async function sha256Of(file: FileHandle): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  for (let position = 0; ;) {
    const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) return hash.digest('hex');
    position += bytesRead;
    hash.update(buffer.subarray(0, bytesRead));
  }
}

/**
 * Hands `use` a regular file holding what `path` names, and the name to report it by: the file
 * itself, or — for standard input (`-`), a pipe, a FIFO, a device — a copy read once into a
 * temporary folder (removed after). /dev/stdin is read as the stream it is: opening it again fails
 * when it is a socket.
 */
export async function asRegularFile<T>(
  path: string,
  stdin: Readable | undefined,
  use: (shownAs: string, file: string) => Promise<T>,
): Promise<T> {
  const fromStdin = path === STDIN || path === '/dev/stdin';
  if (!fromStdin && (await stat(path)).isFile()) return use(path, resolve(path));
  const dir = await mkdtemp(join(tmpdir(), 'omv-import-'));
  try {
    const copy = join(dir, 'spooled.xml');
    await spool(fromStdin ? (stdin ?? process.stdin) : createReadStream(path), copy);
    return await use(path === STDIN ? '(standard input)' : path, copy);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Reads a pipe, FIFO, device or standard input once, into a spool file. What cannot be an XML
 * document (its first byte is neither `<`, white space nor a byte-order mark) is refused at once,
 * rather than read forever (`/dev/zero`).
 */
export async function spool(source: Readable, into: string): Promise<void> {
  const out = createWriteStream(into);
  let checked = false;
  try {
    for await (const chunk of source) {
      const bytes = chunk as Buffer;
      if (!checked) {
        const first = bytes.find((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d);
        if (first !== undefined) {
          checked = true;
          if (first !== 0x3c && first !== 0xef && first !== 0xfe && first !== 0xff) {
            throw new Error(`not an XML document: it starts with the byte 0x${first.toString(16).padStart(2, '0')}`);
          }
        }
      }
      if (!out.write(bytes)) await new Promise<void>((resolveDrain) => out.once('drain', () => resolveDrain()));
    }
  } finally {
    source.destroy();
    await new Promise<void>((resolveEnd) => out.end(resolveEnd));
  }
}

/** The whole of an open file, from its start. */
export async function readAll(handle: FileHandle): Promise<Buffer> {
  const { size } = await handle.stat();
  const bytes = Buffer.alloc(size);
  await handle.read(bytes, 0, size, 0);
  return bytes;
}

/**
 * What a stored file counts as: 'duplicate' when it added nothing, a message file whose every
 * entry was stored before; an abuse report, a roster or a connection list adds one of its own.
 */
export function storedStatus(root: string | null, counts: { entries: number; newEntries: number }): ImportStatus {
  const messagesOnly = root !== null && ENTRY_PAYLOADS.has(root as PayloadKind);
  return messagesOnly && counts.entries > 0 && counts.newEntries === 0 ? 'duplicate' : 'new';
}
