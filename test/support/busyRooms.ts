// A desk's worth of entries whose every count is known in advance: more than 10,000 hits of one
// word, a few hundred of another, rooms whose names share a start (room-25, room-250, room-251)
// or hold a word among others (salle-259 ✨), and users of known activity. Tests of search without
// silent limits count against these specs, never against the store they test.
import { writeFileSync } from 'node:fs';
import { messagesXml, type EntrySpec } from './payloads.js';

export const BUSY_BASE = Date.UTC(2024, 2, 1);
export const BUSY_ROOMS = ['room-25', 'room-250', 'room-251', 'salle-259 ✨', 'lobby'] as const;

export interface BusySpec extends EntrySpec {
  room: string;
  ts: number;
  user: string;
}

/** `count` entries, one a minute: "common" in 7 of 8 messages, "spam" in one of 47, a join every 100th. */
export function busySpecs(count = 14_000): BusySpec[] {
  return Array.from({ length: count }, (_, i): BusySpec => {
    const room = BUSY_ROOMS[i % BUSY_ROOMS.length]!;
    const user = `u${(i % 9) + 1}`;
    const ts = BUSY_BASE + i * 60_000;
    if (i % 100 === 99) return { room, ts, user, type: 'join' };
    const words = [i % 8 === 0 ? 'quiet' : 'common', 'chatter', `n${i}`];
    if (i % 47 === 0) words.push('spam');
    return { room, ts, user, content: words.join(' ') };
  });
}

/** The specs as one payload file, room by room. */
export function writeBusyFile(path: string, specs: BusySpec[]): void {
  const rooms: Record<string, EntrySpec[]> = {};
  for (const { room, ...entry } of specs) (rooms[room] ??= []).push(entry);
  writeFileSync(path, messagesXml(rooms, { callID: 'busy' }, 'messageArchive'));
}

export const hasWord = (spec: BusySpec, word: string) => (spec.content ?? '').split(' ').includes(word);
