// The urlencoded form reader's fast run (whole escapes decoded without a call per byte) against
// the form's rules read the plain way: any body, cut into chunks anywhere, gives the same bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { UrlencodedFieldReader } from '../main/intake/receiver/urlencodedField.js';

const hex = (byte: number) => /^[0-9a-fA-F]$/.test(String.fromCharCode(byte));

/** One value decoded the plain way: `+` a space, `%XX` a byte, anything else (a broken escape too) itself. */
function decode(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x25 && i + 2 < bytes.length && hex(bytes[i + 1]!) && hex(bytes[i + 2]!)) {
      out.push(parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16));
      i += 2;
    } else out.push(byte === 0x2b ? 0x20 : byte);
  }
  return Buffer.from(out);
}

/**
 * Every value of `field` in a body: decoded, or — when the value starts (after white space) with a
 * raw `<` or a byte-order mark's first byte — the rest of the body as it is.
 */
function reference(body: Buffer, field: string): Array<{ bytes: Buffer; raw: boolean }> {
  const values: Array<{ bytes: Buffer; raw: boolean }> = [];
  let start = 0;
  for (let i = 0; i <= body.length; i++) {
    if (i < body.length && body[i] !== 0x26) continue;
    const pair = body.subarray(start, i);
    const equals = pair.indexOf(0x3d);
    if (equals !== -1 && decode(pair.subarray(0, equals)).toString('latin1') === field) {
      const value = body.subarray(start + equals + 1);
      const first = value.find((byte) => ![0x20, 0x09, 0x0a, 0x0d].includes(byte));
      if (first !== undefined && [0x3c, 0xef, 0xfe, 0xff].includes(first)) {
        values.push({ bytes: Buffer.from(value), raw: true });
        return values;
      }
      values.push({ bytes: decode(pair.subarray(equals + 1)), raw: false });
    }
    start = i + 1;
  }
  return values;
}

// Bytes that make escapes, broken escapes, pluses, separators and plain text likely.
const piece = fc.oneof(
  fc.constantFrom('%', '%3C', '%3c', '%2', '%G1', '%%41', '+', '&', '=', 'xmlData=', 'a', 'é', '<', '%E9', '%25'),
  fc.string({ maxLength: 4 }),
);

test('any urlencoded body, cut anywhere, reads as the plain decoding of each value of the field', () => {
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), (pieces, cuts) => {
      const body = Buffer.from(`xmlData=%3C${pieces.join('')}`);
      const reader = new UrlencodedFieldReader('xmlData');
      const at = [...new Set(cuts.map((cut) => cut % (body.length + 1)))].sort((a, b) => a - b);
      let from = 0;
      for (const cut of [...at, body.length]) {
        reader.push(body.subarray(from, cut));
        from = cut;
      }
      const shown = (values: Array<{ bytes: Buffer; raw: boolean }>) =>
        values.map((value) => `${value.raw}:${value.bytes.toString('hex')}`);
      assert.deepEqual(shown(reader.end()), shown(reference(body, 'xmlData')));
    }),
    { numRuns: 3000, seed: 20 },
  );
});
