// Payload events packed for a hop between threads. Copying 50,000 entry objects to another
// thread costs about as much on the receiving side as parsing them did; packed — numbers and
// content bytes in buffers that are moved, not copied, and repeated names once — the receiver
// unpacks them for a tenth of that. Content travels as UTF-8 bytes rather than one long string:
// a batch outlives many minor collections while it is written, and a string that size would sit
// in the heap as garbage until the next full one (~30 MB of them measured at any time).
// Entries are nearly every event; the few others travel as is.
import type { ChatEntry, PayloadEvent } from '../../shared/payload.js';

export interface EventBatch {
  /** Events that are not entries, with their place in the sequence. */
  others: { at: number; event: PayloadEvent }[];
  /** Room, type, user id, display name and raw timestamp of the entries, each once. */
  names: string[];
  /** Per entry, ENTRY_FIELDS numbers: indexes into `names` (-1 for none) and invisible. */
  fields: Int32Array;
  timestamps: Float64Array;
  /** Every entry's content in UTF-8, one after another; `contentEnds[i]` is the byte where entry i's ends (-1: none). */
  content: Uint8Array;
  contentEnds: Int32Array;
}

const ENTRY_FIELDS = 6;
/** Buffers a builder keeps for reuse: a batch's four, for the batches in flight and one more. */
const POOL_BUFFERS = 16;
const [ROOM, TYPE, USER, DISPLAY_NAME, INVISIBLE, TIMESTAMP_RAW] = [0, 1, 2, 3, 4, 5];
/** An absent raw timestamp is the timestamp's own decimal form, by far the usual case. */
const SAME_AS_NUMBER = -1;

/**
 * Packs events as they come, so each entry object (and its content string) is garbage as soon as
 * it is added: a parser thread that kept a batch's events until the batch went had them survive
 * its young generation, copied and promoted, then collected from the old one (a quarter of the
 * thread's time at 1M entries).
 */
export class EventBatchBuilder {
  private others: EventBatch['others'] = [];
  private names: string[] = [];
  private nameIndex = new Map<string, number>();
  // Consecutive entries mostly repeat the room and type: the last value of each column is looked
  // up without the map.
  private readonly lastName: (string | null)[] = [null, null, null, null, null, null];
  private readonly lastIndex: number[] = [-1, -1, -1, -1, -1, -1];
  // Empty until the batch's first entry (growEntries, growContent).
  private fields = new Int32Array(0);
  private timestamps = new Float64Array(0);
  private contentEnds = new Int32Array(0);
  private content = new Uint8Array(0);
  private entries = 0;
  private events = 0;
  private contentLength = 0;
  private readonly encoder = new TextEncoder();
  /**
   * Buffers of batches the other thread has unpacked and handed back (recycle()), to pack the next
   * ones into. A new buffer of several MB for every batch left freed ones behind that the C
   * allocator kept (its threshold for giving such blocks back to the system rises as they are
   * freed): the import's memory grew with the file (3M entries: ~60 MB more).
   */
  private readonly pool: ArrayBuffer[] = [];

  /** The size of the buffers the next batch starts with. */
  private nextEntries: number;
  private nextContentBytes: number;

  constructor(private readonly expectedEntries = 1024) {
    this.nextEntries = expectedEntries;
    this.nextContentBytes = expectedEntries * 128;
  }

  /** Buffers a batch moved away and the other side gave back, for later batches. */
  recycle(buffers: readonly ArrayBuffer[]): void {
    for (const buffer of buffers) if (buffer.byteLength > 0 && this.pool.length < POOL_BUFFERS) this.pool.push(buffer);
  }

  /** A buffer of at least `bytes` (its view is cut to what is asked for: the rest stays unused). */
  private buffer(bytes: number): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.pool.length; i++) {
      const size = this.pool[i]!.byteLength;
      if (size >= bytes && (best < 0 || size < this.pool[best]!.byteLength)) best = i;
    }
    if (best < 0) return new ArrayBuffer(bytes);
    return this.pool.splice(best, 1)[0]!;
  }

  /** Events added since the last take(). */
  get size(): number {
    return this.events;
  }

  add(event: PayloadEvent): void {
    const at = this.events++;
    if (event.kind !== 'entry') {
      this.others.push({ at, event });
      return;
    }
    const entry = event.entry;
    const i = this.entries++;
    if (i === this.timestamps.length) this.growEntries();
    const f = i * ENTRY_FIELDS;
    const fields = this.fields;
    fields[f + ROOM] = this.name(entry.room, ROOM);
    fields[f + TYPE] = this.name(entry.type, TYPE);
    fields[f + USER] = this.name(entry.userId, USER);
    fields[f + DISPLAY_NAME] = this.name(entry.displayName, DISPLAY_NAME);
    fields[f + INVISIBLE] = entry.invisible === null ? -1 : Number(entry.invisible);
    fields[f + TIMESTAMP_RAW] =
      entry.timestampRaw === String(entry.timestamp) ? SAME_AS_NUMBER : this.name(entry.timestampRaw, TIMESTAMP_RAW);
    this.timestamps[i] = entry.timestamp;
    if (entry.content === null) this.contentEnds[i] = -1;
    else {
      // At most 3 bytes of UTF-8 for each UTF-16 unit.
      if (this.content.length - this.contentLength < 3 * entry.content.length) this.growContent(3 * entry.content.length);
      this.contentEnds[i] = this.contentLength += this.encoder.encodeInto(entry.content, this.content.subarray(this.contentLength)).written;
    }
  }

  /** The events added since the last take(), packed; the builder starts a new batch. */
  take(): EventBatch {
    const n = this.entries;
    const batch: EventBatch = {
      others: this.others,
      names: this.names,
      fields: this.fields.subarray(0, n * ENTRY_FIELDS),
      timestamps: this.timestamps.subarray(0, n),
      content: this.content.subarray(0, this.contentLength),
      contentEnds: this.contentEnds.subarray(0, n),
    };
    // Buffers for the next batch are taken when its first entry comes (buffers handed back by then
    // are used), sized for a batch like this one.
    this.nextEntries = Math.max(this.expectedEntries, n);
    this.nextContentBytes = Math.max(this.expectedEntries * 128, this.contentLength + (this.contentLength >> 3));
    this.others = [];
    this.names = [];
    this.nameIndex = new Map();
    this.lastName.fill(null);
    this.lastIndex.fill(-1);
    this.fields = new Int32Array(0);
    this.timestamps = new Float64Array(0);
    this.contentEnds = new Int32Array(0);
    this.content = new Uint8Array(0);
    this.entries = 0;
    this.events = 0;
    this.contentLength = 0;
    return batch;
  }

  private name(value: string | null, column: number): number {
    if (value === null) return -1;
    if (value === this.lastName[column]) return this.lastIndex[column]!;
    let index = this.nameIndex.get(value);
    if (index === undefined) this.nameIndex.set(value, (index = this.names.push(value) - 1));
    this.lastName[column] = value;
    this.lastIndex[column] = index;
    return index;
  }

  private growEntries(): void {
    const size = Math.max(this.nextEntries, this.timestamps.length * 2);
    const fields = new Int32Array(this.buffer(size * ENTRY_FIELDS * 4), 0, size * ENTRY_FIELDS);
    fields.set(this.fields);
    const timestamps = new Float64Array(this.buffer(size * 8), 0, size);
    timestamps.set(this.timestamps);
    const contentEnds = new Int32Array(this.buffer(size * 4), 0, size);
    contentEnds.set(this.contentEnds);
    this.recycle([this.fields.buffer, this.timestamps.buffer, this.contentEnds.buffer] as ArrayBuffer[]);
    this.fields = fields;
    this.timestamps = timestamps;
    this.contentEnds = contentEnds;
  }

  private growContent(atLeast: number): void {
    const size = Math.max(this.nextContentBytes, this.content.length * 2, this.contentLength + atLeast);
    const content = new Uint8Array(this.buffer(size), 0, size);
    content.set(this.content.subarray(0, this.contentLength));
    this.recycle([this.content.buffer as ArrayBuffer]);
    this.content = content;
  }
}

export function packEvents(events: readonly PayloadEvent[]): EventBatch {
  const builder = new EventBatchBuilder(Math.max(1, events.length));
  for (const event of events) builder.add(event);
  return builder.take();
}

/** What postMessage can move instead of copying. */
export function transferables(batch: EventBatch): ArrayBuffer[] {
  return [batch.fields.buffer, batch.timestamps.buffer, batch.contentEnds.buffer, batch.content.buffer] as ArrayBuffer[];
}

/**
 * The batch's events in order, made one at a time as they are consumed: an entry object lives
 * only as long as its write, so it never outlives the young generation.
 */
export function* unpackEvents(batch: EventBatch): Generator<PayloadEvent> {
  const { names, fields, timestamps, contentEnds, others } = batch;
  const content = Buffer.from(batch.content.buffer, batch.content.byteOffset, batch.content.byteLength);
  const nameAt = (index: number) => (index < 0 ? null : names[index]!);
  const total = timestamps.length + others.length;
  let other = 0;
  let start = 0;
  for (let at = 0, i = 0; at < total; at++) {
    if (other < others.length && others[other]!.at === at) {
      yield others[other++]!.event;
      continue;
    }
    const f = i * ENTRY_FIELDS;
    const end = contentEnds[i]!;
    const invisible = fields[f + INVISIBLE]!;
    const rawIndex = fields[f + TIMESTAMP_RAW]!;
    const entry: ChatEntry = {
      room: names[fields[f + ROOM]!]!,
      type: names[fields[f + TYPE]!]!,
      timestamp: timestamps[i]!,
      timestampRaw: rawIndex === SAME_AS_NUMBER ? String(timestamps[i]) : names[rawIndex]!,
      userId: nameAt(fields[f + USER]!),
      invisible: invisible < 0 ? null : invisible === 1,
      displayName: nameAt(fields[f + DISPLAY_NAME]!),
      content: end < 0 ? null : content.toString('utf8', start, end),
    };
    if (end >= 0) start = end;
    i += 1;
    yield { kind: 'entry', entry };
  }
}
