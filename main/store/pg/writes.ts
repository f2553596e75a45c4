// The PostgreSQL store's writes (engine.ts's StoreWrites), over the write pool: deliveries through
// group commit, and the audit chain, whose head row is locked by the appending transaction — the
// one place writers of the trail wait for each other.
import type { ParsedPayload } from '../../../shared/payload.js';
import type { AuditAction, AuditAnchor } from '../../../shared/review.js';
import { rowHashV2, sha256 } from '../audit.js';
import type { DeliveryMeta, StoreOutcome } from '../deliveries.js';
import type { StoreWrites } from '../engine.js';
import { inWriteTransaction, pgText, type WritePool, type WriteSession } from './connection.js';
import { PgGroupCommit } from './groupCommit.js';
import type { Db } from '../db.js';
import { purgePg, type PgPurgeResult } from './purge.js';
import { copySqliteToPg, type StoreCopy } from './storeCopy.js';
import { prepareDelivery } from './receipt.js';

/** audit.ts's appendAuditRow in the caller's transaction: the head is locked until it commits. */
export async function appendAuditRow(
  session: WriteSession,
  action: AuditAction,
  moderator: string,
  details: Record<string, unknown>,
  at = Date.now(),
): Promise<AuditAnchor> {
  const head = (await session.query<{ rows: number; hash: string }>('SELECT rows, hash FROM audit_head WHERE one = 1 FOR UPDATE')).rows[0]!;
  const last = (await session.query<{ id: number }>('SELECT id FROM audit_log ORDER BY id DESC LIMIT 1')).rows[0];
  const text = pgText(JSON.stringify(details));
  const row = { id: (last?.id ?? 0) + 1, at, moderator: pgText(moderator), action, details_sha256: sha256(text) };
  const hash = rowHashV2(head.hash, row);
  await session.query(
    'INSERT INTO audit_log (id, at, moderator, action, details, details_sha256, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [row.id, row.at, row.moderator, row.action, text, row.details_sha256, head.hash, hash],
  );
  await session.query('UPDATE audit_head SET rows = $1, hash = $2 WHERE one = 1', [head.rows + 1, hash]);
  return { row: row.id, hash };
}

export class PgWrites implements StoreWrites {
  readonly commit: PgGroupCommit;

  /** The writer's pool: omv import writes its batches through it (intake/pgFileImport.ts). */
  constructor(readonly writer: WritePool) {
    this.commit = new PgGroupCommit(writer);
  }

  async receive(meta: DeliveryMeta, parsed: ParsedPayload): Promise<StoreOutcome> {
    return (await this.commit.submitDeliveries([prepareDelivery(meta, parsed)]))[0]!;
  }

  /** Together in the group's transaction, all of them or none: a failure rolls back the request's deliveries together. */
  async receiveAll(deliveries: ReadonlyArray<{ meta: DeliveryMeta; parsed: ParsedPayload }>): Promise<StoreOutcome[]> {
    // Their rows are made here, before they queue: the tokenizing runs while the group before them is on the server.
    return this.commit.submitDeliveries(deliveries.map(({ meta, parsed }) => prepareDelivery(meta, parsed)));
  }

  /** Copies a desk's SQLite database into this one, which must hold no data yet (storeCopy.ts). */
  copyFromSqlite(db: Db, log: (line: string) => void): Promise<StoreCopy> {
    return copySqliteToPg(db, this.writer, log);
  }

  /** omv purge on this database (purge.ts). */
  purge(before: number, options: { moderator: string; dryRun?: boolean }): Promise<PgPurgeResult> {
    return purgePg(this.writer, before, options);
  }

  /** The server's settings of these names (as pg_settings has them): what the operator is told at the start. */
  async settings(names: string[]): Promise<Record<string, string>> {
    const rows = await this.writer.pool.query<{ name: string; setting: string }>(
      'SELECT name, setting FROM pg_settings WHERE name = ANY($1)',
      [names],
    );
    return Object.fromEntries(rows.rows.map((row) => [row.name, row.setting]));
  }

  async appendAudit(action: AuditAction, moderator: string, details: Record<string, unknown>, at?: number): Promise<AuditAnchor> {
    return inWriteTransaction(this.writer.pool, (session) => appendAuditRow(session, action, moderator, details, at), { confirmed: true });
  }
}
