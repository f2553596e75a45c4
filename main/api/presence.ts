// Presence: who has which report open right now, so two moderators see each other before they
// both start on it. Kept in memory only (it is about this minute, and never audited; servers over
// one store tell each other their desks' beats: api/neighbours.ts): a desk says
// it has a report open when it opens it and every ~15 s after (reportPresence), and that it closed
// it; a desk that falls silent for 45 s (a closed tab, a lost connection) is taken to have left.
// Whenever the moderators on a report change, every desk hears it (a 'presence' event).
import type { ApiEvent } from '../../shared/api.js';
import type { ReportViewer } from '../../shared/review.js';
import { UserFacingError } from '../../shared/userFacingError.js';

export const HEARTBEAT_MS = 15_000;
export const SILENT_MS = 45_000;
/** Desks one moderator may hold reports open on at once, and open reports across everyone: bounds what a misbehaving client can fill memory with. */
const MAX_DESKS_PER_NAME = 20;
const MAX_OPEN = 20_000;

interface Seen {
  name: string;
  since: number;
  lastBeat: number;
}

export class Presence {
  /** report → desk id → who, since when, last heard. */
  private readonly open = new Map<number, Map<string, Seen>>();
  private size = 0;

  constructor(
    private readonly emit: (event: ApiEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** `name` has report `report` open on `desk` (or, with `open: false`, closed it). Answers everyone who has it open. */
  beat(report: number, name: string, desk: string, open: boolean): ReportViewer[] {
    if (!Number.isSafeInteger(report) || report < 1) throw new UserFacingError('presence is on a report: give its id');
    if (typeof desk !== 'string' || desk === '' || desk.length > 64)
      throw new UserFacingError('presence names the desk (1 to 64 characters)');
    this.sweep();
    const before = this.names(report);
    const desks = this.open.get(report) ?? new Map<string, Seen>();
    const key = `${name}\u0000${desk}`;
    if (open) {
      const seen = desks.get(key);
      if (seen) seen.lastBeat = this.now();
      else {
        if (this.size >= MAX_OPEN || this.desksOf(name) >= MAX_DESKS_PER_NAME)
          throw new UserFacingError('too many reports open at once on this desk: close some');
        desks.set(key, { name, since: this.now(), lastBeat: this.now() });
        this.size += 1;
        this.open.set(report, desks);
      }
    } else if (desks.delete(key)) {
      this.size -= 1;
      if (desks.size === 0) this.open.delete(report);
    }
    this.announceIfChanged(report, before);
    return this.viewers(report);
  }

  /**
   * A desk on another server over the same store beat (api/neighbours.ts): counted as one here, so
   * every server knows everyone who has a report open. One this server would refuse is left out.
   */
  heard(report: number, name: string, desk: string, open: boolean): void {
    try {
      this.beat(report, name, desk, open);
    } catch {
      // past this server's bounds, or not a beat at all: the desk it came from was answered there
    }
  }

  /** Everyone who has `report` open: one line a moderator, since they first opened it on any desk. */
  viewers(report: number): ReportViewer[] {
    const byName = new Map<string, number>();
    for (const seen of this.open.get(report)?.values() ?? [])
      byName.set(seen.name, Math.min(byName.get(seen.name) ?? Infinity, seen.since));
    return [...byName].map(([name, since]) => ({ name, since })).sort((a, b) => a.since - b.since || a.name.localeCompare(b.name));
  }

  /** Forgets desks silent for SILENT_MS, telling every desk about the reports they had open. */
  sweep(): void {
    const cutoff = this.now() - SILENT_MS;
    for (const [report, desks] of this.open) {
      const before = this.names(report);
      for (const [key, seen] of desks)
        if (seen.lastBeat <= cutoff) {
          desks.delete(key);
          this.size -= 1;
        }
      if (desks.size === 0) this.open.delete(report);
      this.announceIfChanged(report, before);
    }
  }

  private desksOf(name: string): number {
    let n = 0;
    for (const desks of this.open.values()) for (const seen of desks.values()) if (seen.name === name) n += 1;
    return n;
  }

  private names(report: number): string {
    return this.viewers(report)
      .map((v) => v.name)
      .join('\u0000');
  }

  private announceIfChanged(report: number, before: string): void {
    if (this.names(report) !== before) this.emit({ type: 'presence', report, viewers: this.viewers(report) });
  }
}
