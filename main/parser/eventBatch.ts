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
  private fields: Int32Array;
  private timestamps: Float64Array;
  private contentEnds: Int32Array;
  private content: Uint8Array;
  private entries = 0;
  private events = 0;
  private contentLength = 0;
  private readonly encoder = new TextEncoder();

  constructor(private readonly expectedEntries = 1024) {
    this.fields = new Int32Array(expectedEntries * ENTRY_FIELDS);
    this.timestamps = new Float64Array(expectedEntries);
    this.contentEnds = new Int32Array(expectedEntries);
    this.content = new Uint8Array(expectedEntries * 128);
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
    // New buffers: the batch's are moved to another thread. Sized for a batch like this one.
    const expected = Math.max(this.expectedEntries, n);
    const contentBytes = Math.max(this.expectedEntries * 128, this.contentLength + (this.contentLength >> 3));
    this.others = [];
    this.names = [];
    this.nameIndex = new Map();
    this.lastName.fill(null);
    this.lastIndex.fill(-1);
    this.fields = new Int32Array(expected * ENTRY_FIELDS);
    this.timestamps = new Float64Array(expected);
    this.contentEnds = new Int32Array(expected);
    this.content = new Uint8Array(contentBytes);
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
    const size = this.timestamps.length * 2;
    const fields = new Int32Array(size * ENTRY_FIELDS);
    fields.set(this.fields);
    this.fields = fields;
    const timestamps = new Float64Array(size);
    timestamps.set(this.timestamps);
    this.timestamps = timestamps;
    const contentEnds = new Int32Array(size);
    contentEnds.set(this.contentEnds);
    this.contentEnds = contentEnds;
  }

  private growContent(atLeast: number): void {
    const content = new Uint8Array(Math.max(this.content.length * 2, this.contentLength + atLeast));
    content.set(this.content.subarray(0, this.contentLength));
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
