// The audit trail: every moderator action appended with its time, moderator and details. Rows are
// hash-chained: each holds the SHA-256 of the previous row's hash and its own content, and the
// newest hash and the row count are kept apart, so editing, removing or reordering any row (the
// last ones too) is found by verifyAudit at the first row that no longer verifies.
//
// What the chain cannot prove by itself is that it is whole: whoever can write the file can
// rewrite every row after a point, or roll the file back to a backup, and the chain still
// verifies. An anchor — a row's number and hash kept somewhere else (`omv audit anchor`, every
// export manifest) — closes that: verifyAudit with anchors fails when the trail no longer holds
// that row with that hash.
//
// Rows written since migration 0080 chain the SHA-256 of their details rather than the details
// themselves: a purge can then redact the text of a row about something it removed (a note on a
// purged message) and the chain still verifies, row by row, with the fact kept.
import { createHash } from 'node:crypto';
import type { AuditAction, AuditAnchor, AuditRecord, AuditVerdict } from '../../shared/review.js';
import { prepareCached, type Db } from './db.js';

export const GENESIS = '0'.repeat(64);

export interface AuditRow {
  id: number;
  at: number;
  moderator: string;
  action: string;
  details: string;
  prev_hash: string;
  hash: string;
  /** Null for rows written before migration 0080, whose hash covers the details themselves. */
  details_sha256: string | null;
  redacted_at: number | null;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The first form: the details themselves in the hash. */
function rowHashV1(previous: string, row: Pick<AuditRow, 'id' | 'at' | 'moderator' | 'action' | 'details'>): string {
  return sha256(`${previous}\n${JSON.stringify([row.id, row.at, row.moderator, row.action, row.details])}`);
}

/** The second form: the details' SHA-256 in the hash, so their text can be redacted and the chain kept. */
export function rowHashV2(
  previous: string,
  row: Pick<AuditRow, 'id' | 'at' | 'moderator' | 'action'> & { details_sha256: string },
): string {
  return sha256(`${previous}\nv2\n${JSON.stringify([row.id, row.at, row.moderator, row.action, row.details_sha256])}`);
}

function chainHash(previous: string, row: AuditRow): string {
  return row.details_sha256 === null ? rowHashV1(previous, row) : rowHashV2(previous, { ...row, details_sha256: row.details_sha256 });
}

/** The newest row of the trail: its number and hash (0 and the genesis hash for none). */
export function auditHead(db: Db): AuditAnchor {
  const head = prepareCached<[], { rows: number; hash: string }>(db, 'SELECT rows, hash FROM audit_head').get();
  return { row: head?.rows ?? 0, hash: head?.hash ?? GENESIS };
}

/** Appends one action; run it in the transaction that makes the change it records. Answers its number and chain hash. */
export function appendAuditRow(
  db: Db,
  action: AuditAction,
  moderator: string,
  details: Record<string, unknown>,
  at = Date.now(),
): AuditAnchor {
  const head = auditHead(db);
  const last = prepareCached<[], { id: number }>(db, 'SELECT id FROM audit_log ORDER BY id DESC LIMIT 1').get();
  const text = JSON.stringify(details);
  const row = { id: (last?.id ?? 0) + 1, at, moderator, action, details_sha256: sha256(text) };
  const hash = rowHashV2(head.hash, row);
  prepareCached(
    db,
    'INSERT INTO audit_log (id, at, moderator, action, details, details_sha256, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(row.id, row.at, row.moderator, row.action, text, row.details_sha256, head.hash, hash);
  prepareCached(
    db,
    'INSERT INTO audit_head (one, rows, hash) VALUES (1, ?, ?) ON CONFLICT (one) DO UPDATE SET rows = excluded.rows, hash = excluded.hash',
  ).run(head.row + 1, hash);
  return { row: row.id, hash };
}

/** appendAuditRow, answering the row's number alone. */
export function appendAudit(db: Db, action: AuditAction, moderator: string, details: Record<string, unknown>, at = Date.now()): number {
  return appendAuditRow(db, action, moderator, details, at).row;
}

/**
 * Replaces a row's details with `replacement` (what may be kept: the fact, not the text), keeping
 * the SHA-256 of the original in the chain. Only rows of the second form can be redacted: the
 * first form's hash covers the text. Answers whether the row was redacted.
 */
export function redactAuditDetails(db: Db, id: number, replacement: Record<string, unknown>, at = Date.now()): boolean {
  return (
    prepareCached(db, 'UPDATE audit_log SET details = ?, redacted_at = ? WHERE id = ? AND details_sha256 IS NOT NULL').run(
      JSON.stringify({ ...replacement, redacted: new Date(at).toISOString() }),
      at,
      id,
    ).changes > 0
  );
}

/** How far a row may be dated before the row it follows (a clock corrected backwards) before it counts as back-dated. */
const BACKDATED_MS = 60 * 60 * 1000;

/** Where an anchor came from, for the verdict's message (a manifest's file name, the command line). */
export interface SourcedAnchor extends AuditAnchor {
  source: string;
}

/** Parses `N:HASH` as `omv audit anchor` prints it. */
export function parseAnchor(text: string): AuditAnchor | null {
  const match = /^(\d+):([0-9a-f]{64})$/i.exec(text.trim());
  return match ? { row: Number(match[1]), hash: match[2]!.toLowerCase() } : null;
}

/**
 * Other tables name audit rows (a report's status changes): a name pointing past the end of the
 * trail means rows were removed, even if the log and its head were cut back together.
 */
function highestReference(db: Db): { row: number; where: string } | null {
  const row = db.prepare<[], number | null>('SELECT max(audit_id) FROM report_status_changes').pluck().get() ?? null;
  return row === null ? null : { row, where: "a report's status change" };
}

/**
 * The chain's check, row by row, apart from where the rows come from (this file's SQLite reads
 * them; the PostgreSQL store reads them its own way): feed every row in id order to `row()`,
 * which answers a verdict at the first that does not verify, then ask `end()`.
 */
export class AuditChainWalk {
  private readonly wanted = new Map<number, SourcedAnchor[]>();
  private previous = GENESIS;
  private expectedId = 1;
  private rows = 0;
  private redacted = 0;
  private secondForm = false;
  private lastAt = -Infinity;

  constructor(private readonly anchors: readonly SourcedAnchor[] = []) {
    for (const anchor of anchors) this.wanted.set(anchor.row, [...(this.wanted.get(anchor.row) ?? []), anchor]);
  }

  /** Checks the next row; a verdict when it does not verify, null when it does. */
  row(row: AuditRow): AuditVerdict | null {
    const fail = (why: string): AuditVerdict => ({ intact: false, rows: this.rows, badRow: row.id, why });
    const previous = this.previous;
    if (row.id !== this.expectedId) return fail(`row ${this.expectedId} is missing (the next is ${row.id})`);
    if (row.prev_hash !== previous) return fail('it does not follow the row before it (a row was removed, changed or moved)');
    if (row.details_sha256 === null && this.secondForm) return fail('it is written in the old form after rows of the new one (a rewrite)');
    this.secondForm ||= row.details_sha256 !== null;
    if (row.details_sha256 !== null && row.redacted_at === null && sha256(row.details) !== row.details_sha256)
      return fail('its content was changed after it was written');
    if (chainHash(previous, row) !== row.hash) return fail('its content was changed after it was written');
    // Appended rows carry the time they were written: one dated well before the row it follows
    // was put there later (a clock set back by more than an hour would show here too).
    if (this.lastAt - row.at > BACKDATED_MS)
      return fail(
        `it is dated ${new Date(row.at).toISOString()}, before row ${row.id - 1} (${new Date(this.lastAt).toISOString()}): back-dated`,
      );
    this.lastAt = Math.max(this.lastAt, row.at);
    for (const anchor of this.wanted.get(row.id) ?? []) {
      if (anchor.hash !== row.hash)
        return fail(`it is not the row ${anchor.source} names (${anchor.row}:${anchor.hash.slice(0, 12)}…): the trail was rewritten`);
    }
    if (row.redacted_at !== null) this.redacted += 1;
    this.previous = row.hash;
    this.expectedId += 1;
    this.rows += 1;
    return null;
  }

  /**
   * The verdict once every row was checked: `head` is the chain's kept head, `reference` the
   * highest row another table names (null for none).
   */
  end(head: AuditAnchor, reference: { row: number; where: string } | null): AuditVerdict {
    const rows = this.rows;
    if (head.row !== rows || head.hash !== this.previous) {
      return { intact: false, rows, badRow: rows + 1, why: `the trail held ${head.row} rows; rows after ${rows} were removed` };
    }
    for (const anchor of this.anchors) {
      if (anchor.row > rows)
        return {
          intact: false,
          rows,
          badRow: anchor.row,
          why: `${anchor.source} names row ${anchor.row}, but the trail holds ${rows}: it was cut short or rolled back`,
        };
    }
    if (reference && reference.row > rows)
      return {
        intact: false,
        rows,
        badRow: reference.row,
        why: `${reference.where} names row ${reference.row}, but the trail holds ${rows}: it was cut short`,
      };
    return this.redacted > 0 ? { intact: true, rows, redacted: this.redacted } : { intact: true, rows };
  }
}

/**
 * Walks the chain from the first row; answers the first row that does not verify, and why. With
 * anchors, the trail must also still hold each anchored row with its hash: truncation, a rewrite
 * or a rollback made after an anchor shows.
 */
export function verifyAudit(db: Db, anchors: readonly SourcedAnchor[] = []): AuditVerdict {
  const walk = new AuditChainWalk(anchors);
  for (const row of db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY id').iterate()) {
    const verdict = walk.row(row);
    if (verdict) return verdict;
  }
  return walk.end(auditHead(db), highestReference(db));
}

/** A row of the trail as the desk reads it (both engines). */
export const toAuditRecord = (row: AuditRow): AuditRecord => ({
  id: row.id,
  at: row.at,
  moderator: row.moderator,
  action: row.action as AuditAction,
  details: JSON.parse(row.details) as Record<string, unknown>,
});

export function listAudit(db: Db, options: { limit?: number } = {}): AuditRecord[] {
  return db
    .prepare<[number], AuditRow>('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?')
    .all(options.limit ?? -1)
    .reverse()
    .map(toAuditRecord);
}

/** An import, as the audit trail records it. */
export function auditImport(
  db: Db,
  moderator: string,
  result: { file: string; status: string; entries: number; newEntries: number; deliveryId: number | null },
): number {
  return db.transaction(() => appendAudit(db, 'import', moderator, result))();
}

/** Records an action of its own (one that changes nothing else in the database), in its own transaction. */
export function recordAction(db: Db, action: AuditAction, moderator: string, details: Record<string, unknown>): AuditAnchor {
  return db.transaction(() => appendAuditRow(db, action, moderator, details)).immediate();
}
