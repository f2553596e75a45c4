// The full-text index is kept in segments, one more for every transaction that indexes content;
// FTS5 merges them as it is written, a bounded amount per write. Left to itself it also merges a
// whole level at once when that level holds `crisismerge` segments (16 by default): sooner or later
// the level holding the bulk of the index, so one callback's commit rewrote the whole index
// (500,000 entries: ~7,600 pages, ~0.4 s with every callback behind it, and growing with the
// index), and again each time the next level up filled. So that merge is left to a backlog of
// CRISIS_SEGMENTS segments on one level, and the receiver's writer merges the index itself, a
// bounded step at a time between groups of deliveries, which keeps the segments few (each one is
// a lookup more for every search) and merges what an import left.
import type { Db } from './db.js';

/** Leaf pages written by one merge step: a few milliseconds of the writer's time. */
export const MERGE_STEP_PAGES = 64;
/**
 * Segments on one level before FTS5 merges that level at once, whatever its size. Room for the
 * receiver's segments while the steps merge a large level (an import's bulk: at 500,000 entries
 * ~60 steps, a callback committed after each): at 64 the backlog came first, and a commit merged
 * what was left of the bulk at once (120 ms, a stall of 314 ms at the receiver's start); a few
 * hundred small segments cost a search next to nothing. An index many times larger still outgrows it.
 */
export const CRISIS_SEGMENTS = 256;

/** The connection's busy timeout set to 0 while `run` runs: another writer's lock is a reason to come back later, not to wait. */
function withoutWaiting<T>(db: Db, run: () => T): T {
  const timeout = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    return run();
  } finally {
    db.pragma(`busy_timeout = ${timeout}`);
  }
}

const isBusy = (error: unknown) => (error as { code?: string }).code?.startsWith('SQLITE_BUSY') === true;

/**
 * Makes FTS5's merge-everything-at-once a last resort (a setting the index keeps: written once).
 * Answers whether it is so now (false: another writer has the database; try again later).
 */
export function leaveMergingToSteps(db: Db): boolean {
  const now = db.prepare<[], number | null>("SELECT v FROM entries_fts_config WHERE k = 'crisismerge'").pluck().get() ?? null;
  if (now === CRISIS_SEGMENTS) return true;
  try {
    // A number written into the statement: FTS5 takes none bound for its configuration.
    withoutWaiting(db, () => db.exec(`INSERT INTO entries_fts (entries_fts, rank) VALUES ('crisismerge', ${CRISIS_SEGMENTS})`));
    return true;
  } catch (error) {
    if (isBusy(error)) return false;
    throw error;
  }
}

/**
 * One step of merging, at most `pages` leaf pages, in a transaction of its own; answers whether
 * there is more to merge. Never waits for another writer (an import, a purge): busy, it answers
 * true and the step is taken later.
 */
export function mergeStep(db: Db, pages = MERGE_STEP_PAGES): boolean {
  try {
    return withoutWaiting(db, () => {
      const before = db.prepare<[], number>('SELECT total_changes()').pluck().get()!;
      db.prepare("INSERT INTO entries_fts (entries_fts, rank) VALUES ('merge', ?)").run(pages);
      // FTS5's own way to tell: a step that merged something changes more than one row.
      return db.prepare<[], number>('SELECT total_changes()').pluck().get()! - before >= 2;
    });
  } catch (error) {
    if (isBusy(error)) return true;
    throw error;
  }
}
