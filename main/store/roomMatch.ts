// The search language's in:ROOM. A moderator rarely types a room's whole name (`salle-259 ✨`), so
// in: finds rooms in steps, and stops at the first step that finds any: the room of exactly that
// name; else of that name in another case; else the rooms whose name starts with it (`room-25*`
// asks for this step outright); else those whose name holds each of its words at a word's start
// (`in:259` finds `salle-259 ✨`). Rooms are few (hundreds, thousands), so names are matched here
// rather than indexed.
import type { Db } from './db.js';

/** Words as names are split for in:: letters and digits, lower-cased. */
const words = (text: string) =>
  text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

export interface RoomName {
  id: number;
  name: string;
  entries: number;
}

/** Every room, or one chat domain's. */
function allRooms(db: Db, domain?: string): RoomName[] {
  return domain === undefined
    ? db.prepare<[], RoomName>('SELECT id, name, entry_count AS entries FROM rooms').all()
    : db.prepare<[string], RoomName>('SELECT id, name, entry_count AS entries FROM rooms WHERE domain_id = ?').all(domain);
}

type Step = 'exact' | 'case' | 'prefix' | 'words';

function stepOf(room: RoomName, text: string, prefixOnly: boolean): Step | null {
  const lower = text.toLowerCase();
  const name = room.name.toLowerCase();
  if (!prefixOnly && room.name === text) return 'exact';
  if (!prefixOnly && name === lower) return 'case';
  if (name.startsWith(lower)) return 'prefix';
  if (prefixOnly) return null;
  const wanted = words(text);
  const have = words(room.name);
  return wanted.length > 0 && wanted.every((w) => have.some((h) => h.startsWith(w))) ? 'words' : null;
}

const STEPS: readonly Step[] = ['exact', 'case', 'prefix', 'words'];

/** in:TEXT's rooms: those of the first step that finds any (see above), among one domain's rooms when it says which. */
export function roomIdsMatching(db: Db, text: string, domain?: string): number[] {
  return roomIdsAmong(allRooms(db, domain), text);
}

/** The rooms in every one of `chosen` (a filter's room choice, in:'s rooms, a domain's): each narrows the others. */
export function roomsInAll(chosen: number[][]): number[] {
  return chosen.reduce((kept, ids) => {
    const also = new Set(ids);
    return kept.filter((id) => also.has(id));
  });
}

/** in:TEXT's rooms among `rooms` (another store reads its rooms its own way). */
export function roomIdsAmong(rooms: Iterable<RoomName>, text: string): number[] {
  const prefixOnly = text.length > 1 && text.endsWith('*');
  const wanted = prefixOnly ? text.slice(0, -1) : text;
  const found = new Map<Step, number[]>();
  for (const room of rooms) {
    const step = stepOf(room, wanted, prefixOnly);
    if (step) (found.get(step) ?? found.set(step, []).get(step)!).push(room.id);
  }
  for (const step of STEPS) if (found.has(step)) return found.get(step)!;
  return [];
}

export interface RoomSuggestion {
  name: string;
  entries: number;
  /** Whether in: with this text alone would take it (the first step's rooms). */
  taken: boolean;
}

/** Rooms to offer while in:TEXT is typed: every step's, the closer ones and the busier ones first. */
export function roomSuggestions(db: Db, text: string, limit = 12): { rooms: RoomSuggestion[]; total: number } {
  return roomSuggestionsAmong(allRooms(db), text, limit);
}

/** roomSuggestions among `rooms` (another store reads its rooms its own way; ties keep their order). */
export function roomSuggestionsAmong(rooms: readonly RoomName[], text: string, limit = 12): { rooms: RoomSuggestion[]; total: number } {
  const prefixOnly = text.length > 1 && text.endsWith('*');
  const wanted = prefixOnly ? text.slice(0, -1) : text;
  const matched = rooms
    .map((room) => ({ room, step: wanted === '' ? ('words' as Step) : stepOf(room, wanted, prefixOnly) }))
    .filter((m): m is { room: RoomName; step: Step } => m.step !== null);
  const first = Math.min(...matched.map((m) => STEPS.indexOf(m.step)));
  matched.sort(
    (a, b) => STEPS.indexOf(a.step) - STEPS.indexOf(b.step) || b.room.entries - a.room.entries || (a.room.name < b.room.name ? -1 : 1),
  );
  return {
    rooms: matched.slice(0, limit).map((m) => ({ name: m.room.name, entries: m.room.entries, taken: STEPS.indexOf(m.step) === first })),
    total: matched.length,
  };
}
