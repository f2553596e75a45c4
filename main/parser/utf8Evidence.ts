// Counts what a byte stream says about being UTF-8: complete multi-byte sequences (text that only
// UTF-8 writes) and bytes that cannot be UTF-8 (each one a U+FFFD when decoded leniently). Fed in
// chunks; a sequence split between two chunks counts once.

export class Utf8Evidence {
  /** Complete, valid sequences of two to four bytes. */
  multibyte = 0;
  /** Bytes (or broken sequences) that are not UTF-8. */
  invalid = 0;
  private need = 0;
  private lower = 0x80;
  private upper = 0xbf;

  push(bytes: Uint8Array): this {
    for (const byte of bytes) {
      if (this.need > 0) {
        if (byte >= this.lower && byte <= this.upper) {
          this.lower = 0x80;
          this.upper = 0xbf;
          if (--this.need === 0) this.multibyte += 1;
          continue;
        }
        // A sequence cut short: it is one bad character, and this byte starts afresh.
        this.invalid += 1;
        this.need = 0;
        this.lower = 0x80;
        this.upper = 0xbf;
      }
      if (byte < 0x80) continue;
      if (byte >= 0xc2 && byte <= 0xdf) this.need = 1;
      else if (byte >= 0xe0 && byte <= 0xef) {
        this.need = 2;
        if (byte === 0xe0) this.lower = 0xa0;
        if (byte === 0xed) this.upper = 0x9f;
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        this.need = 3;
        if (byte === 0xf0) this.lower = 0x90;
        if (byte === 0xf4) this.upper = 0x8f;
      } else this.invalid += 1;
    }
    return this;
  }

  /** At the end of the stream, a sequence still open is one more bad character. */
  end(): this {
    if (this.need > 0) this.invalid += 1;
    this.need = 0;
    return this;
  }

  /**
   * UTF-8 with a few bad bytes rather than another encoding: it holds text only UTF-8 writes, and
   * no more bad bytes than that. (Latin-1 text almost never forms a valid multi-byte sequence.)
   */
  get mostlyUtf8(): boolean {
    return this.multibyte > 0 && this.invalid <= this.multibyte;
  }
}
