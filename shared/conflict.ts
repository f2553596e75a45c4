// A change made on a version someone else has changed since: the desk decided a report, took a tag
// off, edited a note or marked a room reviewed as it saw them, and another moderator got there
// first. Nothing is changed; the desk is told what changed, by whom and when, and the state it is
// in now, so the moderator can decide again on the current version (keeping what they typed).
// HTTP answers it 409 with these fields (main/viewer/http.ts); IPC carries the same fields.
import type { ReportClaim, ReportStatus } from './review.js';
import { UserFacingError } from './userFacingError.js';

interface ConflictBase {
  /** What changed, as the desk says it: "dismissed", "claimed", "edited", "taken off"; "no version" when the desk sent none. */
  change: string;
  /** Who made that change, and when (null when the store cannot say: a tag taken off leaves no link behind). */
  by: string | null;
  at: number | null;
}

export type Conflict =
  | (ConflictBase & { subject: 'report'; id: number; version: number; current: { status: ReportStatus; claim: ReportClaim | null } })
  | (ConflictBase & { subject: 'note'; id: number; version: number; current: { text: string } })
  | (ConflictBase & { subject: 'review mark'; id: string; version: number; current: { reviewedTo: number | null } })
  /** A tag link's version is its existence and the time it was put on (null: it is not on). */
  | (ConflictBase & { subject: 'tag'; id: string; version: number | null; current: { target: string; targetId: number } });

/** "dismissed by maya" (the desk adds how long ago; a message adds the instant). */
export function conflictLine(conflict: Conflict): string {
  return conflict.by === null ? conflict.change : `${conflict.change} by ${conflict.by}`;
}

/** A write made on a stale version, or on none where one is required: HTTP 409, nothing changed. */
export class ConflictError extends UserFacingError {
  readonly status = 409;
  constructor(
    message: string,
    readonly conflict: Conflict,
  ) {
    super(message);
  }
}

/** The conflict a failed call carried, if it was one (also across a transport, where only the fields arrive). */
export function conflictOf(error: unknown): Conflict | null {
  return error instanceof ConflictError ? error.conflict : null;
}
