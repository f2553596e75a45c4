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

export function packEvents(events: readonly PayloadEvent[]): EventBatch {
  const entries = events.reduce((n, event) => n + (event.kind === 'entry' ? 1 : 0), 0);
  const others: EventBatch['others'] = [];
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const name = (value: string | null) => {
    if (value === null) return -1;
    let index = nameIndex.get(value);
    if (index === undefined) nameIndex.set(value, (index = names.push(value) - 1));
    return index;
  };
  const fields = new Int32Array(entries * ENTRY_FIELDS);
  const timestamps = new Float64Array(entries);
  const contentEnds = new Int32Array(entries);
  // At most 3 bytes of UTF-8 for each UTF-16 unit.
  let capacity = 0;
  for (const event of events) if (event.kind === 'entry' && event.entry.content !== null) capacity += 3 * event.entry.content.length;
  const content = new Uint8Array(capacity);
  const encoder = new TextEncoder();
  let contentLength = 0;
  let i = 0;
  events.forEach((event, at) => {
    if (event.kind !== 'entry') {
      others.push({ at, event });
      return;
    }
    const entry = event.entry;
    const f = i * ENTRY_FIELDS;
    fields[f + ROOM] = name(entry.room);
    fields[f + TYPE] = name(entry.type);
    fields[f + USER] = name(entry.userId);
    fields[f + DISPLAY_NAME] = name(entry.displayName);
    fields[f + INVISIBLE] = entry.invisible === null ? -1 : Number(entry.invisible);
    fields[f + TIMESTAMP_RAW] = entry.timestampRaw === String(entry.timestamp) ? SAME_AS_NUMBER : name(entry.timestampRaw);
    timestamps[i] = entry.timestamp;
    if (entry.content === null) contentEnds[i] = -1;
    else contentEnds[i] = contentLength += encoder.encodeInto(entry.content, content.subarray(contentLength)).written;
    i += 1;
  });
  return { others, names, fields, timestamps, content, contentEnds };
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
