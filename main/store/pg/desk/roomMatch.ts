// The rooms offered while in:TEXT is typed, over PostgreSQL: roomMatch.ts's steps over the rooms
// read in SQLite's order (by id), so rooms the steps rank alike come in the same order.
import { roomSuggestionsAmong, type RoomName, type RoomSuggestion } from '../../roomMatch.js';
import type { ReadPool } from '../connection.js';

export async function roomSuggestions({ pool }: ReadPool, text: string, limit = 12): Promise<{ rooms: RoomSuggestion[]; total: number }> {
  const rooms = await pool.query<RoomName>('SELECT id, name, entry_count AS entries FROM rooms ORDER BY id');
  return roomSuggestionsAmong(rooms.rows, text, limit);
}
