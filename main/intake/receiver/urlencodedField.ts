// One field's values from an application/x-www-form-urlencoded body, decoded to their exact bytes
// as the body streams in: `+` is a space, `%XX` a byte, anything else itself (an escape that is
// not one is kept as written, as browsers do). Work is spread over the body's chunks and no string
// is ever built: a 30 MB body costs neither a long pause nor a copy of itself as text.
//
// Some senders post the XML itself as the value, not urlencoded (`xmlData=<messageOffline>…`):
// read as a form, its first `&` (in `&amp;`, or a literal one) would end it, its `+` become spaces
// and its `%` sequences bytes. A value that starts (after any white space) with a raw `<` or a
// byte-order mark cannot be urlencoded — every encoder writes `<` as `%3C` — so it is taken as sent,
// every byte to the end of the body. A correctly urlencoded value never starts that way.

const PLUS = 0x2b;
const PERCENT = 0x25;
const AMPERSAND = 0x26;
const EQUALS = 0x3d;
const LESS_THAN = 0x3c;

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  return -1;
}

const isWhiteSpace = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
/** `<`, or the first byte of a UTF-8 (EF BB BF) or UTF-16 (FF FE, FE FF) byte-order mark. */
const startsRawXml = (byte: number) => byte === LESS_THAN || byte === 0xef || byte === 0xfe || byte === 0xff;

/** The chunk's bytes, kept without a copy (a request's chunks are never reused). */
const view = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export interface UrlencodedValue {
  bytes: Buffer;
  /** Not urlencoded: the bytes as sent, from after `name=` to the end of the body. */
  raw: boolean;
}

export class UrlencodedFieldReader {
  private readonly wanted: Buffer;
  private inValue = false;
  /** The current pair's name so far, while it could still be the wanted one. */
  private name: number[] = [];
  private nameMatches = true;
  /** How the wanted value is written: not known before its first byte that is not white space. */
  private mode: 'undecided' | 'encoded' | 'raw' = 'undecided';
  /** The current value's decoded bytes so far, when the pair is the wanted one. */
  private parts: Buffer[] = [];
  /** This chunk's decoded bytes of the wanted value, and how many. */
  private out: Buffer = Buffer.alloc(0);
  private used = 0;
  /** A `%` and the hex digit after it, while the escape is not complete. */
  private escape: number[] = [];
  private readonly found: UrlencodedValue[] = [];

  constructor(field: string) {
    this.wanted = Buffer.from(field, 'utf8');
  }

  push(chunk: Uint8Array): void {
    if (this.mode === 'raw') {
      this.parts.push(view(chunk));
      return;
    }
    this.out = Buffer.allocUnsafe(chunk.length + 2); // decoding never grows, but for a pending escape
    this.used = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (this.mode === 'encoded' && this.nameMatches && this.escape.length === 0) i = this.decodeRun(chunk, i);
      if (i >= chunk.length) break;
      const byte = chunk[i]!;
      if (this.inValue && this.nameMatches && this.mode === 'undecided' && !isWhiteSpace(byte)) {
        if (startsRawXml(byte)) {
          // The rest of the body is the value, byte for byte.
          this.mode = 'raw';
          this.keepChunk();
          this.parts.push(view(chunk.subarray(i)));
          return;
        }
        if (byte !== AMPERSAND) this.mode = 'encoded';
      }
      if (byte === AMPERSAND) {
        this.endPair();
        continue;
      }
      if (!this.inValue && byte === EQUALS) {
        this.flushEscape();
        this.inValue = true;
        this.nameMatches &&= Buffer.from(this.name).equals(this.wanted);
        continue;
      }
      if (this.escape.length > 0) {
        if (hexValue(byte) >= 0) {
          this.escape.push(byte);
          if (this.escape.length === 3) {
            const value = hexValue(this.escape[1]!) * 16 + hexValue(this.escape[2]!);
            this.escape = [];
            this.emit(value);
          }
          continue;
        }
        this.flushEscape();
      }
      if (byte === PERCENT) this.escape.push(byte);
      else this.emit(byte === PLUS ? 0x20 : byte);
    }
    this.keepChunk();
  }

  /**
   * Inside the wanted value, the common case at a byte a time without a call per byte (a 20 KB
   * payload is ~10,000 escapes): whole escapes, `+` and plain bytes, up to the first byte that
   * needs the general loop (the `&` ending the value, an escape cut by the chunk's end or not
   * one). Returns where that byte is.
   */
  private decodeRun(chunk: Uint8Array, from: number): number {
    const out = this.out;
    let used = this.used;
    let i = from;
    for (const end = chunk.length; i < end; i++) {
      const byte = chunk[i]!;
      if (byte === PERCENT) {
        const high = i + 2 < end ? hexValue(chunk[i + 1]!) : -1;
        const low = high >= 0 ? hexValue(chunk[i + 2]!) : -1;
        if (low < 0) break;
        out[used++] = high * 16 + low;
        i += 2;
      } else if (byte === AMPERSAND) break;
      else out[used++] = byte === PLUS ? 0x20 : byte;
    }
    this.used = used;
    return i;
  }

  /** Every value the field had, in the order they came (none when it was not there). */
  end(): UrlencodedValue[] {
    this.endPair();
    return this.found;
  }

  private emit(byte: number): void {
    if (!this.inValue) {
      // A name longer than the wanted one's cannot be it: stop collecting it.
      if (this.nameMatches && this.name.length < this.wanted.length) this.name.push(byte);
      else this.nameMatches = false;
    } else if (this.nameMatches) this.out[this.used++] = byte;
  }

  /** An escape that is not one is itself: a `%` and what followed it. */
  private flushEscape(): void {
    const pending = this.escape;
    this.escape = [];
    for (const byte of pending) this.emit(byte);
  }

  private keepChunk(): void {
    if (this.used > 0) this.parts.push(this.out.subarray(0, this.used));
    this.out = this.out.subarray(this.used);
    this.used = 0;
  }

  private endPair(): void {
    this.flushEscape();
    this.keepChunk();
    if (this.inValue && this.nameMatches) this.found.push({ bytes: Buffer.concat(this.parts), raw: this.mode === 'raw' });
    this.inValue = false;
    this.name = [];
    this.nameMatches = true;
    this.mode = 'undecided';
    this.parts = [];
  }
}
