// One stored entry as the CLI's export, the API and the UI see it.

export const EXPORT_COLUMNS = [
  'entry_id',
  'time_utc',
  'timestamp_ms',
  'domain_id',
  'room',
  'type',
  'user_id',
  'display_name',
  'invisible',
  'content',
  'source',
  'call_id',
] as const;

export interface EntryRecord {
  id: number;
  timestamp: number;
  domainId: string;
  room: string;
  type: string;
  userId: string | null;
  displayName: string | null;
  invisible: boolean | null;
  content: string | null;
  source: 'callback' | 'import';
  callId: string | null;
}

/** ISO 8601 UTC with milliseconds and Z. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function exportValues(entry: EntryRecord): Array<string | number | null> {
  return [
    entry.id,
    isoTime(entry.timestamp),
    entry.timestamp,
    entry.domainId,
    entry.room,
    entry.type,
    entry.userId,
    entry.displayName,
    entry.invisible === null ? null : String(entry.invisible),
    entry.content,
    entry.source,
    entry.callId,
  ];
}
