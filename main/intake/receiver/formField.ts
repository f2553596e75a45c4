// Reads one field of a form POST (urlencoded or multipart, as a plain field or a file part) as
// the exact bytes the sender put there — every time the field occurs. A urlencoded body is decoded
// to bytes as it streams (our own small reader, urlencodedField.ts); multipart is read by
// @fastify/busboy with the field's parts taken as files, so their bytes arrive untouched whatever
// charset a part declares (decoding, and guessing the encoding, is the parser's job).
import { Busboy, type BusboyConfig, type BusboyInstance } from '@fastify/busboy';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { UrlencodedFieldReader } from './urlencodedField.js';

export class FormError extends Error {
  constructor(
    readonly status: 400 | 408 | 413,
    message: string,
    /** The form was read whole and has no such field (a notification may have none). */
    readonly fieldMissing = false,
  ) {
    super(message);
  }
}

export interface FormFieldValue {
  /** The bytes the sender put in the field. */
  bytes: Buffer;
  /** How it had to be read, when not as a form says (for the delivery's repairs). */
  notes: string[];
}

/** More of one field than any sender means is refused (each different value would be a delivery). */
const MAX_VALUES = 100;
/** Parts of a multipart form read at most: more is refused, never skipped unread. */
const MAX_PARTS = 110;

const NOT_URLENCODED_NOTE = (field: string) =>
  `${field} was not urlencoded (it starts with a raw "<" or byte-order mark): kept as sent, to the end of the body`;

/**
 * Resolves with the field's values, in the order they came (at least one); rejects with a
 * FormError for a body that is too large, has no such field, or does not arrive within
 * `timeoutMs` (the connection is then cut: a stalled sender must not hold a socket, whatever
 * Node's own request timeout makes of it).
 */
export function readFormField(req: IncomingMessage, field: string, maxBytes: number, timeoutMs: number): Promise<FormFieldValue[]> {
  return new Promise<FormFieldValue[]>((resolve, reject) => {
    let deadline: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (outcome: FormFieldValue[] | FormError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (outcome instanceof FormError) reject(outcome);
      else resolve(outcome);
    };
    const settleWith = (values: FormFieldValue[]) => {
      if (values.length === 0) return settle(new FormError(400, `the form has no "${field}" field`, true));
      if (values.length > MAX_VALUES)
        return settle(new FormError(400, `the form has "${field}" ${values.length} times: omv takes at most ${MAX_VALUES} in one request`));
      settle(values);
    };
    /** Answered without reading the rest: drain it, so the connection can carry the answer. */
    const refuse = (error: FormError) => {
      settle(error);
      req.unpipe();
      req.resume();
    };
    /** The whole body must arrive in time, and whole. */
    const watchArrival = () => {
      deadline = setTimeout(() => cutOff(new FormError(408, `the request body did not arrive within ${timeoutMs} ms`)), timeoutMs);
      req.on('close', () => {
        if (!req.complete) cutOff(new FormError(400, 'the request closed before its body was complete'));
      });
    };
    /** A body that stopped arriving ends its connection: half a body cannot be answered. */
    const cutOff = (error: FormError) => {
      settle(error);
      req.socket.destroy();
    };
    let received = 0;
    const countArrival = (chunk: Buffer): boolean => {
      received += chunk.length;
      if (received > maxBytes) refuse(tooLarge(maxBytes));
      return !settled;
    };

    if (Number(req.headers['content-length']) > maxBytes) return refuse(tooLarge(maxBytes));
    if (/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
      // The common case, the vendor's form POST: decoded as it streams, to exact bytes.
      watchArrival();
      const reader = new UrlencodedFieldReader(field);
      req.on('data', (chunk: Buffer) => {
        if (countArrival(chunk)) reader.push(chunk);
      });
      req.on('end', () => settleWith(reader.end().map(({ bytes, raw }) => ({ bytes, notes: raw ? [NOT_URLENCODED_NOTE(field)] : [] }))));
      return;
    }

    let form: BusboyInstance;
    try {
      form = Busboy({
        headers: req.headers as BusboyConfig['headers'],
        // Every part a stream of raw bytes: the field's are kept, the others drained unread.
        isPartAFile: () => true,
        limits: { fileSize: maxBytes, files: MAX_PARTS, parts: MAX_PARTS },
      });
    } catch {
      // No body at all (a notification's members are all in the query string) is a form without the field.
      const bodiless =
        req.headers['content-length'] === '0' || (req.headers['content-length'] === undefined && !req.headers['transfer-encoding']);
      return refuse(
        new FormError(400, `expected a form (application/x-www-form-urlencoded or multipart/form-data) with a field "${field}"`, bodiless),
      );
    }
    watchArrival();
    const values: (FormFieldValue | null)[] = [];
    const met = partsMet(form);
    let partsRead = 0;
    req.on('data', countArrival);
    const unreadable = (error: unknown) =>
      refuse(new FormError(400, `unreadable form: ${error instanceof Error ? error.message : String(error)}`));
    form.on('file', (name, stream) => {
      // A body that ends inside a part fails the part's stream too: unheard, that error would end the process.
      stream.on('error', unreadable);
      partsRead += 1;
      if (name !== field) return stream.resume();
      const at = values.push(null) - 1;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => refuse(tooLarge(maxBytes)));
      stream.on('end', () => {
        if (!stream.truncated) values[at] = { bytes: Buffer.concat(chunks), notes: [] };
      });
    });
    form.on('partsLimit', () => refuse(new FormError(400, `the form has more than ${MAX_PARTS} parts: omv reads at most that many`)));
    form.on('error', (error: unknown) =>
      refuse(new FormError(400, `unreadable form: ${error instanceof Error ? error.message : String(error)}`)),
    );
    form.on('finish', () => {
      // A part busboy passed over unread might have been one of the field's values: none is answered for without it.
      const unread = met.count - partsRead;
      if (unread > 0)
        return refuse(
          new FormError(
            400,
            `${unread} of the form's ${met.count} parts could not be read (a part needs a Content-Disposition of form-data with a name, and no line break in its name or file name)`,
          ),
        );
      settleWith(values.filter((value) => value !== null));
    });
    req.pipe(form);
  });
}

/**
 * How many parts busboy's multipart parser has met. Busboy passes over some without a word (no
 * Content-Disposition, one that is not form-data, a bare line break in a name or file name): each
 * part it reads is a 'file' here (isPartAFile), so fewer of those than parts met is a part skipped.
 * Its parser is not part of its API: found where version 3 keeps it, or the request fails loudly.
 */
function partsMet(form: BusboyInstance): { count: number } {
  const parser = (form as unknown as { _parser?: { parser?: EventEmitter } })._parser?.parser;
  if (!(parser instanceof EventEmitter)) throw new Error("@fastify/busboy's multipart parser is not where formField.ts looks for it");
  const met = { count: 0 };
  parser.on('part', () => (met.count += 1));
  return met;
}

function tooLarge(maxBytes: number): FormError {
  return new FormError(413, `the request body is larger than the ${maxBytes}-byte limit`);
}
