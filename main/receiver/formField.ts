// Reads one field of a form POST (urlencoded or multipart, as a plain field or a file part) as
// the exact bytes the sender put there. busboy decodes fields to strings; asking for latin1, which
// maps every byte to one character, lets us take the bytes back unchanged.
import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';

export class FormError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

export function readFormField(req: IncomingMessage, field: string, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > maxBytes) return reject(tooLarge(maxBytes));
    let form: busboy.Busboy;
    try {
      form = busboy({
        headers: req.headers,
        defCharset: 'latin1',
        defParamCharset: 'utf8',
        limits: { fieldSize: maxBytes, fileSize: maxBytes, fields: 100, files: 10, parts: 110 },
      });
    } catch {
      return reject(new FormError(400, `expected a form (application/x-www-form-urlencoded or multipart/form-data) with a field "${field}"`));
    }
    let value: Buffer | null = null;
    let received = 0;
    const fail = (error: FormError) => {
      req.unpipe(form);
      req.resume();
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) fail(tooLarge(maxBytes));
    });
    form.on('field', (name, text, info) => {
      if (name !== field) return;
      if (info.valueTruncated) return fail(tooLarge(maxBytes));
      value = Buffer.from(text, 'latin1');
    });
    form.on('file', (name, stream) => {
      if (name !== field) return stream.resume();
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(tooLarge(maxBytes)));
      stream.on('close', () => {
        if (!(stream as { truncated?: boolean }).truncated) value = Buffer.concat(chunks);
      });
    });
    form.on('error', (error: Error) => fail(new FormError(400, `unreadable form: ${error.message}`)));
    form.on('close', () => {
      if (value === null) reject(new FormError(400, `the form has no "${field}" field`));
      else resolve(value);
    });
    req.pipe(form);
  });
}

function tooLarge(maxBytes: number): FormError {
  return new FormError(413, `the request body is larger than the ${maxBytes}-byte limit`);
}
