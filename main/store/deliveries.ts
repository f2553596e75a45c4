// Every payload we were handed becomes a delivery row with its raw bytes and SHA-256, before or
// together with what it contains — so nothing acknowledged is ever lost, parsed or not.
import type { ParsedPayload, PayloadEvent } from '../../shared/payload.js';
import { prepareCached, type Db } from './db.js';
import { PayloadWriter, type WriteCounts } from './payloadWriter.js';

export type DeliverySource = 'callback' | 'import';

export interface DeliveryMeta {
  source: DeliverySource;
  function: string | null;
  domainId: string;
  type: string | null;
  callId: string | null;
  receivedAt: number;
  /** The raw payload bytes (null for imported files, which stay where they are). */
  payload: Uint8Array | null;
  payloadSize: number;
  sha256: string;
  filePath?: string | null;
  /** The instant messenger's notifications name members: memberID and targetMemberID. */
  memberId?: string | null;
  targetMemberId?: string | null;
}

export type StoreOutcome =
  | { status: 'stored'; deliveryId: number; counts: WriteCounts; rooms: string[]; repairs: string[] }
  | { status: 'duplicate'; deliveryId: number }
  | { status: 'quarantined'; deliveryId: number; reason: string };

export interface DeliveryRow {
  id: number;
  source: DeliverySource;
  function: string | null;
  domain_id: string;
  type: string | null;
  call_id: string | null;
  received_at: number;
  payload: Buffer | null;
  payload_size: number;
  sha256: string;
  file_path: string | null;
  member_id: string | null;
  target_member_id: string | null;
  status: 'importing' | 'stored' | 'quarantined';
  error: string | null;
  /** What had to be repaired to read it, a line each (see ParseInfo.repairs). */
  repairs: string | null;
  kind: string | null;
  /** The span of entry times in the payload (null: none, or stored before omv kept it). */
  first_ts: number | null;
  last_ts: number | null;
  /** What a purge did to the payload, if anything. */
  payload_note: string | null;
  entry_count: number;
  new_entries: number;
  duplicates: number;
}

/**
 * The earlier delivery this one repeats: the same bytes, through the same function, for the same
 * domain — and kept already (stored, or in quarantine with its bytes). Nothing else makes a
 * duplicate: a callID can be empty, reused or wrong, and a retry carries the same bytes anyway;
 * the same bytes for another domain belong to that domain. Entries a new delivery shares with an
 * earlier one are still stored once (entry identity, see PayloadWriter).
 */
export function findEarlierDelivery(
  db: Db,
  meta: Pick<DeliveryMeta, 'sha256' | 'function' | 'domainId' | 'memberId' | 'targetMemberId'>,
): number | null {
  // The members an instant messenger's notification names are part of what it says.
  const row = prepareCached<[string, string | null, string, string | null, string | null], { id: number }>(
    db,
    `SELECT id FROM deliveries WHERE sha256 = ? AND function IS ? AND domain_id = ? AND member_id IS ? AND target_member_id IS ?
       AND status != 'importing' ORDER BY id LIMIT 1`,
  ).get(meta.sha256, meta.function, meta.domainId, meta.memberId ?? null, meta.targetMemberId ?? null);
  return row?.id ?? null;
}

/** An imported file's delivery with these bytes for this domain in the given status (done before, or interrupted). */
export function findDeliveryByContent(db: Db, sha256: string, domainId: string, status: DeliveryRow['status']): number | null {
  const row = prepareCached<[string, string, string], { id: number }>(
    db,
    `SELECT id FROM deliveries WHERE sha256 = ? AND domain_id = ? AND status = ? ORDER BY id LIMIT 1`,
  ).get(sha256, domainId, status);
  return row?.id ?? null;
}

/** Takes a quarantined delivery with these bytes back for another attempt; returns its id. */
export function reopenQuarantined(db: Db, sha256: string, domainId: string): number | null {
  const id = findDeliveryByContent(db, sha256, domainId, 'quarantined');
  if (id !== null) prepareCached(db, "UPDATE deliveries SET status = 'importing' WHERE id = ?").run(id);
  return id;
}

/** Keeps a copy of the raw bytes with a delivery (an imported file that could not be read). */
export function keepPayload(db: Db, id: number, payload: Uint8Array): void {
  prepareCached(db, 'UPDATE deliveries SET payload = ? WHERE id = ?').run(payload, id);
}

export function quarantineDelivery(db: Db, id: number, reason: string): void {
  prepareCached(db, "UPDATE deliveries SET status = 'quarantined', error = ? WHERE id = ?").run(reason, id);
}

export function countDuplicate(db: Db, deliveryId: number, at: number): void {
  prepareCached(db, 'UPDATE deliveries SET duplicates = duplicates + 1, last_duplicate_at = ? WHERE id = ?').run(at, deliveryId);
}

export function insertDelivery(db: Db, meta: DeliveryMeta, status: DeliveryRow['status'], error: string | null = null): number {
  const info = prepareCached(
    db,
    `INSERT INTO deliveries (source, function, domain_id, type, call_id, received_at, payload, payload_size, sha256, file_path, status, error,
       member_id, target_member_id)
     VALUES (@source, @function, @domainId, @type, @callId, @receivedAt, @payload, @payloadSize, @sha256, @filePath, @status, @error,
       @memberId, @targetMemberId)`,
  ).run({
    ...meta,
    filePath: meta.filePath ?? null,
    payload: meta.payload,
    status,
    error,
    memberId: meta.memberId ?? null,
    targetMemberId: meta.targetMemberId ?? null,
  });
  return Number(info.lastInsertRowid);
}

export function finishDelivery(db: Db, deliveryId: number, writer: PayloadWriter, repairs: readonly string[] = []): void {
  writer.flush();
  prepareCached(
    db,
    `UPDATE deliveries SET status = 'stored', error = NULL, kind = ?, entry_count = ?, new_entries = ?, call_id = coalesce(call_id, ?), repairs = ?,
       first_ts = ?, last_ts = ?
     WHERE id = ?`,
  ).run(
    writer.root,
    writer.counts.entries,
    writer.counts.newEntries,
    writer.callId,
    repairs.length ? repairs.join('\n') : null,
    writer.span?.first ?? null,
    writer.span?.last ?? null,
    deliveryId,
  );
}

function writeEvents(
  db: Db,
  deliveryId: number,
  meta: Pick<DeliveryMeta, 'domainId' | 'receivedAt'>,
  events: Iterable<PayloadEvent>,
  repairs: readonly string[],
  deferIndexing = false,
) {
  const writer = new PayloadWriter(db, { deliveryId, domainId: meta.domainId, receivedAt: meta.receivedAt, deferIndexing });
  for (const event of events) writer.apply(event);
  finishDelivery(db, deliveryId, writer, repairs);
  return { counts: writer.counts, rooms: [...writer.grownRooms], repairs: [...repairs] };
}

/**
 * Stores one delivery in one transaction (a savepoint when the caller groups several): a repeat
 * only counts as a duplicate of the earlier one, a payload that could not be parsed is kept raw
 * in quarantine with the reason, anything else is written out in full. With `deferIndexing`, the
 * caller indexes the new entries' content before it commits (see PayloadWriter).
 */
export function storeDelivery(db: Db, meta: DeliveryMeta, parsed: ParsedPayload, { deferIndexing = false } = {}): StoreOutcome {
  return db.transaction((): StoreOutcome => {
    const earlier = findEarlierDelivery(db, meta);
    if (earlier !== null) {
      countDuplicate(db, earlier, meta.receivedAt);
      return { status: 'duplicate', deliveryId: earlier };
    }
    if (!parsed.ok) {
      return { status: 'quarantined', deliveryId: insertDelivery(db, meta, 'quarantined', parsed.reason), reason: parsed.reason };
    }
    const deliveryId = insertDelivery(db, meta, 'importing');
    return { status: 'stored', deliveryId, ...writeEvents(db, deliveryId, meta, parsed.events, parsed.repairs, deferIndexing) };
  })();
}

export function getDelivery(db: Db, id: number): DeliveryRow | undefined {
  return prepareCached<[number], DeliveryRow>(db, 'SELECT * FROM deliveries WHERE id = ?').get(id);
}

export type QuarantineRow = Omit<DeliveryRow, 'payload'>;

/** Deliveries in one status, oldest first, without their payloads. */
function deliveriesIn(db: Db, status: DeliveryRow['status']): QuarantineRow[] {
  return prepareCached<[string], QuarantineRow>(
    db,
    `SELECT id, source, function, domain_id, type, call_id, received_at, payload_size, sha256, file_path, status, error, kind,
            entry_count, new_entries, duplicates, repairs
     FROM deliveries WHERE status = ? ORDER BY id`,
  ).all(status);
}

export function listQuarantined(db: Db): QuarantineRow[] {
  return deliveriesIn(db, 'quarantined');
}

/** Imports that never finished: killed part way (a second `omv import` of the file completes them), or running now. */
export function listUnfinishedImports(db: Db): QuarantineRow[] {
  return deliveriesIn(db, 'importing');
}

/** A quarantined delivery that now parses: its contents are written and it leaves quarantine. */
export function releaseFromQuarantine(db: Db, row: DeliveryRow, parsed: Extract<ParsedPayload, { ok: true }>): WriteCounts {
  return db.transaction(
    () => writeEvents(db, row.id, { domainId: row.domain_id, receivedAt: row.received_at }, parsed.events, parsed.repairs).counts,
  )();
}
