// Form bodies written byte for byte, the way other senders write them: multipart parts with any
// charset parameter (as curl -F 'xmlData=<p.xml;type=text/xml;charset=UTF-8' does), the XML
// posted as a form value without urlencoding, a field more than once.
import { randomBytes } from 'node:crypto';
import { urlencodedBody, type Answer } from './http.js';

export interface Part {
  name: string;
  bytes: Uint8Array;
  /** A file part (filename="…"), else a plain field. */
  filename?: string;
  /** The part's Content-Type header, e.g. `text/xml; charset=UTF-8`; none when absent. */
  contentType?: string;
}

/** A multipart/form-data body, with a boundary that occurs in none of the parts. */
export function multipartBody(parts: Part[]): { body: Buffer<ArrayBuffer>; contentType: string } {
  let boundary: string;
  do boundary = `----omv${randomBytes(12).toString('hex')}`;
  while (parts.some((part) => Buffer.from(part.bytes).includes(boundary)));
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const type = part.contentType === undefined ? '' : `Content-Type: ${part.contentType}\r\n`;
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`),
      Buffer.from(part.bytes),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** `xmlData=` and the bytes as they are, not urlencoded (as `curl -d "xmlData=$(cat p.xml)"` sends them). */
export function notUrlencodedBody(payload: Uint8Array, before = ''): Buffer<ArrayBuffer> {
  return Buffer.concat([Buffer.from(`${before}xmlData=`), payload]);
}

/** Several urlencoded values of xmlData in one body. */
export function repeatedFieldBody(payloads: Uint8Array[]): string {
  return payloads.map((payload) => urlencodedBody(payload)).join('&');
}

export async function postBody(
  url: string,
  body: Uint8Array<ArrayBuffer> | string,
  contentType: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });
  return { status: response.status, text: await response.text() };
}

/** The delivery each line of a 200 names (stored, already received, or kept in quarantine). */
export function deliveriesNamed(answerText: string): number[] {
  return answerText
    .trim()
    .split('\n')
    .map((line) => {
      const match = /^(?:stored as|already received as|kept in quarantine as) delivery (\d+)\b/.exec(line);
      if (!match) throw new Error(`an answer line that names no delivery: ${line}`);
      return Number(match[1]);
    });
}
