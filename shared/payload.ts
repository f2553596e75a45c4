// The vendor's payloads as typed events: what the parser emits and the store consumes.
// Runs anywhere (no Node, no DOM).

/** Root elements of the data-delivery payloads we understand. */
export const PAYLOAD_KINDS = ['messageOffline', 'messageArchive', 'abuse', 'rooms', 'connectionList'] as const;
export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

/** The payloads whose events are rooms and entries only (the others carry a report, a roster or a connection list of their own). */
export const ENTRY_PAYLOADS: ReadonlySet<PayloadKind> = new Set(['messageOffline', 'messageArchive']);

/** One `<entry>` of a room, as delivered. `type` is kept verbatim, known or not. */
export interface ChatEntry {
  room: string;
  type: string;
  /** Epoch milliseconds (beyond 32 bits, always below 2^53). */
  timestamp: number;
  /** The `<timestamp>` text exactly as the vendor sent it. */
  timestampRaw: string;
  userId: string | null;
  invisible: boolean | null;
  displayName: string | null;
  content: string | null;
}

export interface AbuseReport {
  reportingUserId: string | null;
  abuserUserId: string | null;
  abuserIpAddress: string | null;
  recordingName: string | null;
  recordingUrl: string | null;
  description: string | null;
  /** The reporter's category (the later form: "Offensive", say). */
  reason: string | null;
}

export type PayloadEvent =
  /** The root element; `type` and `callId` are its attributes where present. */
  | { kind: 'document'; root: PayloadKind; type: string | null; callId: string | null }
  /** A room of a message payload, emitted once its name is known (so empty rooms count too). */
  | { kind: 'room'; name: string }
  | { kind: 'entry'; entry: ChatEntry }
  /** The report itself; its messages arrived before as `entry` events of the same document. */
  | { kind: 'abuse'; report: AbuseReport }
  /** One room of a `sendConnectionList` snapshot with the users in it (possibly none). */
  | { kind: 'roster'; room: string; userIds: string[] }
  /** One connection of the instant messenger's `<connectionList>`: from a member (m) or a session (s) to a member. */
  | { kind: 'connection'; server: string | null; fromKind: 'm' | 's'; from: string; to: string };

/**
 * What the parser made of a payload: its events and what had to be repaired to read it, or why it
 * could not be read (quarantine keeps that reason beside the raw bytes).
 */
export type ParsedPayload = { ok: true; events: Iterable<PayloadEvent>; repairs: string[] } | { ok: false; reason: string };

/** Data-delivery functions of the vendor and the payload root each one sends (the root decides how it is read). */
export const DELIVERY_FUNCTIONS: Readonly<Record<string, PayloadKind>> = {
  sendOfflineMessages: 'messageOffline',
  sendArchive: 'messageArchive',
  reportAbuse: 'abuse',
  sendConnectionList: 'rooms',
  // The instant messenger: a connection closed, or messages that could not be delivered; either
  // may carry those messages in xmlData (as messageOffline), or nothing at all.
  notifyConnectionClosed: 'messageOffline',
  sendPendingMessages: 'messageOffline',
};

/** Functions that may come without xmlData: a notification, stored as such. */
export const NOTIFICATION_FUNCTIONS: ReadonlySet<string> = new Set(['notifyConnectionClosed', 'sendPendingMessages']);
