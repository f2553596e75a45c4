// Is the database whole? SQLite's own check of every page and index, FTS5's check of the
// full-text index against the entries, and the counters the writer keeps (rooms' entry counts,
// hourly activity) against the entries they count.
import { Worker } from 'node:worker_threads';
import type { Db } from './db.js';
import { appendAudit } from './audit.js';
import { errorMessage } from '../../shared/errorMessage.js';

export interface CheckResult {
  ok: boolean;
  /** One line per check: what was checked and what was found. */
  lines: string[];
  /**
   * When every problem found is of one kind other than damage, that kind: what to do is its own
   * (`repairable`: omv check --repair; `setUp`: what the problems say; `unfinished`: check again).
   */
  only: Exclude<FindingKind, 'damage'> | null;
}

/**
 * What a question's problems mean for what to do (CheckFindings.add): damage (a backup's to
 * restore); `repairable` (made again from the entries by omv check --repair); `setUp` (what omv may
 * do in the store, which no restore mends: each problem says what does); `unfinished` (the question
 * could not be answered — a lock, a lost session — which says nothing of what it checks).
 */
export type FindingKind = 'damage' | 'repairable' | 'setUp' | 'unfinished';

/** A question the engine could not finish: damage when it said so (a page it cannot read), else a lock or a lost session. */
export function unfinishedKind(error: unknown): FindingKind {
  const code = String((error as { code?: unknown }).code ?? '');
  return /^SQLITE_(CORRUPT|NOTADB)/.test(code) || code === 'XX001' || code === 'XX002' ? 'damage' : 'unfinished';
}

/**
 * A check's findings, one line per question asked: "what: ok", or how many problems and the first
 * few of them. Both engines' checks (this file, pg/check.ts) report through it, so they read alike.
 */
export class CheckFindings {
  private ok = true;
  private readonly kinds = new Set<FindingKind>();
  private readonly lines: string[] = [];

  /** `engine` names who could not finish a question; `shown`: problems listed per question. */
  constructor(
    private readonly engine: string,
    private readonly shown: number,
  ) {}

  add(what: string, problems: string[], kind: FindingKind = 'damage'): void {
    if (problems.length === 0) return void this.lines.push(`${what}: ok`);
    this.ok = false;
    this.kinds.add(kind);
    this.lines.push(
      `${what}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      ...problems.slice(0, this.shown).map((p) => `  ${p}`),
    );
  }

  /** A question the engine could not even finish (a page it cannot read) is a problem too. */
  unfinished(error: unknown): string[] {
    return [`${this.engine} could not finish it: ${errorMessage(error)}`];
  }

  /** A line that is no question (what the check could not look at, and why). */
  note(line: string): void {
    this.lines.push(line);
  }

  result(): CheckResult {
    const [kind] = this.kinds;
    return { ok: this.ok, lines: this.lines, only: this.kinds.size === 1 && kind !== 'damage' ? kind! : null };
  }
}

/** `quick`: SQLite's quick_check alone (no index contents, no FTS, no counters): for a start-up check. */
export function checkDatabase(db: Db, { quick = false } = {}): CheckResult {
  const findings = new CheckFindings('SQLite', 10);
  const check = (what: string, find: () => string[], kind: FindingKind = 'damage') => {
    let problems: string[];
    try {
      problems = find();
    } catch (error) {
      return findings.add(what, findings.unfinished(error), unfinishedKind(error));
    }
    findings.add(what, problems, kind);
  };
  check(quick ? 'pages and structure (quick check)' : 'pages, structure and indexes', () =>
    db
      .prepare<[], string>(quick ? 'PRAGMA quick_check(100)' : 'PRAGMA integrity_check(100)')
      .pluck()
      .all()
      .filter((line) => line !== 'ok'),
  );
  if (quick) return findings.result();
  check(
    'full-text index against the entries',
    () => {
      try {
        db.prepare("INSERT INTO entries_fts (entries_fts, rank) VALUES ('integrity-check', 1)").run();
        return [];
      } catch (error) {
        // FTS5 says its index differs from the entries as "malformed"; anything else (a lock) is no finding of it.
        const code = (error as { code?: string }).code;
        if (code !== 'SQLITE_CORRUPT_VTAB' && code !== 'SQLITE_CORRUPT') throw error;
        return [`it is not what the entries hold (FTS5: ${errorMessage(error)})`];
      }
    },
    'repairable',
  );
  check('room entry counts', () =>
    db
      .prepare<[], { name: string; kept: number; counted: number }>(
        'SELECT r.name, r.entry_count AS kept, (SELECT count(*) FROM entries e WHERE e.room_id = r.id) AS counted FROM rooms r WHERE kept != counted',
      )
      .all()
      .map((r) => `#${r.name}: ${r.kept} kept, ${r.counted} entries`),
  );
  check('hourly activity', () =>
    db
      .prepare<[], { room: number; kept: number; counted: number }>(
        'SELECT room_id AS room, sum(entries) AS kept, (SELECT count(*) FROM entries e WHERE e.room_id = a.room_id) AS counted FROM activity a GROUP BY room_id HAVING kept != counted',
      )
      .all()
      .map((h) => `room ${h.room}: ${h.kept} in the activity table, ${h.counted} entries`),
  );
  return findings.result();
}

/**
 * omv check --repair: when FTS5 finds the full-text index is not what the entries hold, it is
 * rebuilt from them (the entries are the truth it derives from), in one transaction, and the
 * trail says so. Answers whether it was rebuilt. Pages and indexes SQLite finds damaged are not
 * mended here: that is a backup's to restore.
 */
export function repairFullTextIndex(db: Db, moderator: string): boolean {
  try {
    db.prepare("INSERT INTO entries_fts (entries_fts, rank) VALUES ('integrity-check', 1)").run();
    return false;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'SQLITE_CORRUPT_VTAB' && code !== 'SQLITE_CORRUPT') throw error;
    db.transaction(() => {
      db.prepare("INSERT INTO entries_fts (entries_fts) VALUES ('rebuild')").run();
      appendAudit(db, 'full-text repaired', moderator, { rebuilt: 'the full-text index' });
    })();
    return true;
  }
}

/** What to do about a damaged database, for the people who run omv. */
/** What to do when only the full-text index is not what the entries hold (the entries, pages and counters are whole). */
export const REPAIR_ADVICE =
  'The entries are whole: only the full-text index differs from them. omv check --repair makes it again from the entries (recorded in the audit trail); no backup is needed.';

export const RESTORE_ADVICE =
  'Stop omv, keep the damaged file aside, and restore the latest backup (omv backup FILE makes one while omv runs). ' +
  'Deliveries keep their raw payloads, so what arrived after the backup can be recovered from the damaged file: ask for help before deleting it.';

/** SQLite's quick check of the file at `path`, on a worker thread: the caller keeps working meanwhile. */
export function quickCheckInBackground(path: string): Promise<CheckResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./quickCheckWorker.js', import.meta.url), { workerData: path });
    worker.unref(); // a check never keeps omv running
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the check stopped (exit code ${code})`)));
  });
}
