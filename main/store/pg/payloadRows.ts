// One payload's events as the rows PostgreSQL will hold, made in memory before any statement:
// the rooms and users it names (in the order it first names them, which is the order SQLite
// makes their rows in), its entries with their dedup key and index columns, its abuse reports,
// roster rooms and connections, and what it counts. Text is as PostgreSQL keeps it (pgText).
// Made when a delivery is handed to the group commit, so the tokenizing runs while the group
// before it is on the server; payloadWriter.ts writes a group's payloads set-wise.
import { entryKey } from '../../../shared/entryKey.js';
import type { AbuseReport, ParsedPayload, PayloadEvent, PayloadKind } from '../../../shared/payload.js';
import { assertNever } from '../../../shared/assertNever.js';
import { tokenize } from '../../../shared/tokenize.js';
import { pgText } from './connection.js';
import { indexColumns } from './textMatch.js';

export interface EntryRow {
  room: string;
  type: string;
  ts: number;
  tsRaw: string;
  userId: string | null;
  displayName: string | null;
  invisible: number | null;
  content: string | null;
  key: number;
  words: string;
  lexemes: string | null;
}

export interface AbuseRow {
  report: AbuseReport;
  /** The payload's entries before it in the document: the report's entries (SQLite links each report to all of them). */
  entriesBefore: number;
}

export interface RosterRow {
  room: string;
  /** Distinct, in the order the roster names them. */
  userIds: string[];
  /** How many distinct users the roster names (as SQLite counts them, before pgText). */
  userCount: number;
}

export interface ConnectionRow {
  server: string | null;
  fromKind: 'm' | 's';
  from: string;
  to: string;
}

export class PayloadRows {
  root: PayloadKind | null = null;
  callId: string | null = null;
  /** The earliest and latest entry time (new entries or not): what a purge can reach in it. */
  span: { first: number; last: number } | null = null;
  /** Room names in the order the payload first names them (room, entry or roster). */
  readonly rooms = new Set<string>();
  /** User IDs in the order the payload first names them (entry or roster). */
  readonly users = new Set<string>();
  readonly entries: EntryRow[] = [];
  readonly abuse: AbuseRow[] = [];
  readonly roster: RosterRow[] = [];
  readonly connections: ConnectionRow[] = [];
  /** A `rooms` document makes its connection snapshot even when it lists no room. */
  snapshot = false;

  add(event: PayloadEvent): void {
    switch (event.kind) {
      case 'document':
        this.root = event.root;
        this.callId = pgText(event.callId);
        if (event.root === 'rooms') this.snapshot = true;
        return;
      case 'room':
        this.room(event.name);
        return;
      case 'entry': {
        const { entry } = event;
        if (this.span === null) this.span = { first: entry.timestamp, last: entry.timestamp };
        else if (entry.timestamp < this.span.first) this.span.first = entry.timestamp;
        else if (entry.timestamp > this.span.last) this.span.last = entry.timestamp;
        const { words, lexemes } = indexColumns(tokenize(entry.content));
        this.entries.push({
          room: this.room(entry.room),
          type: pgText(entry.type),
          ts: entry.timestamp,
          tsRaw: pgText(entry.timestampRaw),
          userId: entry.userId === null ? null : this.user(entry.userId),
          displayName: pgText(entry.displayName),
          invisible: entry.invisible === null ? null : Number(entry.invisible),
          content: pgText(entry.content),
          key: entryKey(entry),
          words,
          lexemes,
        });
        return;
      }
      case 'abuse':
        this.abuse.push({ report: event.report, entriesBefore: this.entries.length });
        return;
      case 'roster':
        this.snapshot = true;
        this.roster.push({
          room: this.room(event.room),
          userIds: [...new Set(event.userIds.map((id) => this.user(id)))],
          userCount: new Set(event.userIds).size,
        });
        return;
      case 'connection':
        this.connections.push({ server: pgText(event.server), fromKind: event.fromKind, from: pgText(event.from), to: pgText(event.to) });
        return;
      default:
        return assertNever(event);
    }
  }

  /** A Set keeps the order of first insertion: the order the payload first names them. */
  private room(name: string): string {
    const text = pgText(name);
    this.rooms.add(text);
    return text;
  }

  private user(id: string): string {
    const text = pgText(id);
    this.users.add(text);
    return text;
  }
}

/** A parsed payload's rows (a parser thread's events are read once, here). */
export function payloadRows(parsed: Extract<ParsedPayload, { ok: true }>): PayloadRows {
  const rows = new PayloadRows();
  for (const event of parsed.events) rows.add(event);
  return rows;
}
