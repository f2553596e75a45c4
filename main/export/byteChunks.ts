// An export's bytes, gathered in chunks of a fixed size as its lines are made, and handed on whole.

/** Bytes gathered before they are handed on: a few chunks of this size per second, not a write per row. */
export const CHUNK_BYTES = 1 << 18;

/**
 * Lines are encoded into the chunk as they are made, each while it is small (a string of a chunk's
 * lines joined and then encoded cost a third of the export: V8 flattens the joined string first).
 * A full chunk is handed on and a new one started, so whoever is handed a chunk may keep it.
 */
export class ByteChunks {
  /** Where the next bytes go: `buffer` from `at`, after reserve(). */
  buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  at = 0;

  constructor(private readonly hand: (chunk: Buffer) => void) {}

  /** Makes room for `bytes` more: the chunk so far is handed on when they would not fit (a line longer than a chunk gets a buffer of its own). */
  reserve(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    this.handOff();
    if (bytes > this.buffer.length) this.buffer = Buffer.allocUnsafe(bytes);
  }

  /** Text as UTF-8 (as Buffer.from(text) encodes it). */
  add(text: string): void {
    // A UTF-16 unit is at most 3 bytes of UTF-8: only a long text is measured first.
    const most = text.length * 3;
    this.reserve(most <= CHUNK_BYTES ? most : Buffer.byteLength(text));
    this.at += this.buffer.write(text, this.at);
  }

  /** Hands on what the chunk holds (nothing when it is empty). */
  handOff(): void {
    if (this.at === 0) return;
    this.hand(this.buffer.subarray(0, this.at));
    this.buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    this.at = 0;
  }
}
