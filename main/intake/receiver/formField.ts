// Reads one field of a form POST (urlencoded or multipart, as a plain field or a file part) as
// the exact bytes the sender put there. A urlencoded body is decoded to bytes as it streams (our
// own small reader); busboy reads multipart, where asking for latin1, which maps every byte to one
// character, lets us take a plain field's bytes back unchanged.
import busboy from 'busboy';
import { UrlencodedFieldReader } from './urlencodedField.js';
import type { IncomingMessage } from 'node:http';

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

/**
 * Resolves with the field's bytes; rejects with a FormError for a body that is too large, has no
 * such field, or does not arrive within `timeoutMs` (the connection is then cut: a stalled sender
 * must not hold a socket, whatever Node's own request timeout makes of it).
 */
export function readFormField(req: IncomingMessage, field: string, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let deadline: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (outcome: Buffer | FormError) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (outcome instanceof FormError) reject(outcome);
      else resolve(outcome);
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
    /** The common case, the vendor's form POST: decoded as it streams, to exact bytes (urlencodedField.ts). */
    const readUrlencoded = () => {
      watchArrival();
      const reader = new UrlencodedFieldReader(field);
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > maxBytes) return refuse(tooLarge(maxBytes));
        if (!settled) reader.push(chunk);
      });
      req.on('end', () => settle(reader.end() ?? new FormError(400, `the form has no "${field}" field`, true)));
    };
    /** A body that stopped arriving ends its connection: half a body cannot be answered. */
    const cutOff = (error: FormError) => {
      settle(error);
      req.socket.destroy();
    };

    if (Number(req.headers['content-length']) > maxBytes) return refuse(tooLarge(maxBytes));
    if (/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) return readUrlencoded();
    let form: busboy.Busboy;
    try {
      form = busboy({
        headers: req.headers,
        defCharset: 'latin1',
        defParamCharset: 'utf8',
        limits: { fieldSize: maxBytes, fileSize: maxBytes, fields: 100, files: 10, parts: 110 },
      });
    } catch {
      return refuse(
        new FormError(400, `expected a form (application/x-www-form-urlencoded or multipart/form-data) with a field "${field}"`),
      );
    }
    watchArrival();

    let value: Buffer | null = null;
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) refuse(tooLarge(maxBytes));
    });
    form.on('field', (name, text, info) => {
      if (name !== field) return;
      if (info.valueTruncated) return refuse(tooLarge(maxBytes));
      value = Buffer.from(text, 'latin1');
    });
    form.on('file', (name, stream) => {
      if (name !== field) return stream.resume();
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => refuse(tooLarge(maxBytes)));
      stream.on('close', () => {
        if (!(stream as { truncated?: boolean }).truncated) value = Buffer.concat(chunks);
      });
    });
    form.on('error', (error: Error) => refuse(new FormError(400, `unreadable form: ${error.message}`)));
    form.on('close', () => settle(value ?? new FormError(400, `the form has no "${field}" field`, true)));
    req.pipe(form);
  });
}

function tooLarge(maxBytes: number): FormError {
  return new FormError(413, `the request body is larger than the ${maxBytes}-byte limit`);
}
