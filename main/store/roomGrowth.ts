// What a delivery adds to each room, gathered entry by entry and written to the rooms' counters
// and hourly activity once, at its end: both stores' writers gather it the same way.
import type { ChatEntry } from '../../shared/payload.js';
import { HOUR_MS } from '../../shared/instant.js';

export interface Growth {
  added: number;
  lastTs: number;
  /** Entries added per hour (hours since the epoch). */
  hours: Map<number, number>;
}

/** Counts `entry` into its room's growth; a room grown for the first time is named in `grownRooms`. */
export function addGrowth(
  byRoom: Map<number, Growth>,
  grownRooms: Set<string>,
  roomId: number,
  entry: Pick<ChatEntry, 'room' | 'timestamp'>,
): void {
  let growth = byRoom.get(roomId);
  if (!growth) {
    growth = { added: 0, lastTs: entry.timestamp, hours: new Map() };
    byRoom.set(roomId, growth);
    grownRooms.add(entry.room);
  }
  growth.added += 1;
  growth.lastTs = Math.max(growth.lastTs, entry.timestamp);
  const hour = Math.floor(entry.timestamp / HOUR_MS);
  growth.hours.set(hour, (growth.hours.get(hour) ?? 0) + 1);
}
