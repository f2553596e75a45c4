// Deliveries into PostgreSQL, by the rules store/deliveries.ts keeps for SQLite: the raw payload is
// a delivery row before or with what it contains; the same bytes through the same function for
// the same domain (and members) are a duplicate of the earlier delivery, counted on it; a payload
// that could not be parsed is kept raw in quarantine with the reason; what a payload holds is
// written by payloadWriter.ts (an entry is one entry however many deliveries carry it). A group's
// deliveries are written together, a statement or two per table for all of them, with the outcome
// of writing them one after the other: ids in the order SQLite hands them out for the same
// deliveries. The caller owns the transaction (the group commit's savepoint).
import type { ParsedPayload } from '../../../shared/payload.js';
import type { DeliveryMeta, StoreOutcome } from '../deliveries.js';
import { pgText, type WriteSession } from './connection.js';
import { payloadRows, type PayloadRows } from './payloadRows.js';
import { writePayloads } from './payloadWriter.js';

export { PgPayloadWriter } from './payloadWriter.js';

/** Lock key space for deliveries' content: two writers receiving the same bytes decide one after the other. */
const DELIVERY_LOCK = 0x6f6d76;

/** A delivery with its payload's rows made (payloadRows.ts): what the group commit queues. */
export interface PreparedDelivery {
  meta: DeliveryMeta;
  payload: { ok: true; rows: PayloadRows; repairs: readonly string[] } | { ok: false; reason: string };
}

/** Reads a parsed payload's events (once: a parser thread's are a one-pass iterable) into its rows. */
export function prepareDelivery(meta: DeliveryMeta, parsed: ParsedPayload): PreparedDelivery {
  return { meta, payload: parsed.ok ? { ok: true, rows: payloadRows(parsed), repairs: parsed.repairs } : parsed };
}

/** What makes two deliveries the same one (findEarlierDelivery in deliveries.ts), as PostgreSQL holds it. */
function sameness(meta: DeliveryMeta) {
  return {
    sha256: meta.sha256,
    fn: pgText(meta.function),
    domain: pgText(meta.domainId),
    member: pgText(meta.memberId ?? null),
    target: pgText(meta.targetMemberId ?? null),
  };
}
const samenessKey = (s: ReturnType<typeof sameness>) => JSON.stringify([s.sha256, s.fn, s.domain, s.member, s.target]);

/**
 * The earlier delivery each one repeats, already stored (see findEarlierDelivery in deliveries.ts),
 * or null; after the locks on their content are held, so a writer storing the same bytes has committed.
 */
async function findEarlierDeliveries(client: WriteSession, deliveries: readonly PreparedDelivery[]): Promise<Array<number | null>> {
  const keys = deliveries.map(({ meta }) => sameness(meta));
  // In the order of the lock keys: two writers taking the same ones take them in the same order.
  await client.query(
    'SELECT pg_advisory_xact_lock($1, h) FROM (SELECT DISTINCT hashtext(s) AS h FROM unnest($2::text[]) AS s) AS k ORDER BY h',
    [DELIVERY_LOCK, keys.map((k) => k.sha256)],
  );
  const found = await client.query<{ n: number; id: number | null }>(
    `SELECT k.n::int AS n, (
       SELECT d.id FROM deliveries d WHERE d.sha256 = k.sha256 AND d.function IS NOT DISTINCT FROM k.fn AND d.domain_id = k.domain
         AND d.member_id IS NOT DISTINCT FROM k.member AND d.target_member_id IS NOT DISTINCT FROM k.target AND d.status <> 'importing'
       ORDER BY d.id LIMIT 1) AS id
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS k (sha256, fn, domain, member, target, n)`,
    [keys.map((k) => k.sha256), keys.map((k) => k.fn), keys.map((k) => k.domain), keys.map((k) => k.member), keys.map((k) => k.target)],
  );
  const earlier: Array<number | null> = deliveries.map(() => null);
  for (const row of found.rows) earlier[row.n - 1] = row.id;
  return earlier;
}

/** Delivery rows for these deliveries, ids drawn in their order. */
async function insertDeliveries(
  client: WriteSession,
  rows: ReadonlyArray<{ meta: DeliveryMeta; status: 'importing' | 'quarantined'; error: string | null }>,
): Promise<number[]> {
  if (rows.length === 0) return [];
  const column = <T>(pick: (meta: DeliveryMeta) => T) => rows.map(({ meta }) => pick(meta));
  const made = await client.query<{ id: number }>(
    `INSERT INTO deliveries (source, function, domain_id, type, call_id, received_at, payload, payload_size, sha256, file_path, status, error,
       member_id, target_member_id)
     SELECT source, function, domain_id, type, call_id, received_at, payload, payload_size, sha256, file_path, status, error, member_id, target_member_id
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bytea[], $8::bigint[], $9::text[], $10::text[],
                 $11::text[], $12::text[], $13::text[], $14::text[])
       WITH ORDINALITY AS d (source, function, domain_id, type, call_id, received_at, payload, payload_size, sha256, file_path, status, error,
         member_id, target_member_id, n)
     ORDER BY n RETURNING id`,
    [
      column((m) => m.source),
      column((m) => pgText(m.function)),
      column((m) => pgText(m.domainId)),
      column((m) => pgText(m.type)),
      column((m) => pgText(m.callId)),
      column((m) => m.receivedAt),
      column((m) => (m.payload === null ? null : Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength))),
      column((m) => m.payloadSize),
      column((m) => m.sha256),
      column((m) => pgText(m.filePath ?? null)),
      rows.map((r) => r.status),
      rows.map((r) => pgText(r.error)),
      column((m) => pgText(m.memberId ?? null)),
      column((m) => pgText(m.targetMemberId ?? null)),
    ],
  );
  // An identity column draws ids as the ordered rows come: the smallest is the first row's.
  return made.rows.map((row) => row.id).sort((a, b) => a - b);
}

/**
 * Stores deliveries (storeDelivery's rules, one after the other) in the caller's transaction;
 * outcomes in their order. A delivery repeating one before it in the same call is its duplicate.
 */
export async function receiveDeliveries(client: WriteSession, deliveries: readonly PreparedDelivery[]): Promise<StoreOutcome[]> {
  if (deliveries.length === 0) return [];
  const earlier = await findEarlierDeliveries(client, deliveries);
  // Which repeat one before them in this call (stored or quarantined: not duplicates themselves).
  const firstOfKind = new Map<string, number>();
  const repeats: Array<number | null> = deliveries.map(({ meta }, i) => {
    if (earlier[i] !== null) return null;
    const key = samenessKey(sameness(meta));
    const first = firstOfKind.get(key);
    if (first !== undefined) return first;
    firstOfKind.set(key, i);
    return null;
  });
  const written = deliveries.flatMap((delivery, i) => (earlier[i] === null && repeats[i] === null ? [i] : []));
  const ids = await insertDeliveries(
    client,
    written.map((i) => {
      const { meta, payload } = deliveries[i]!;
      return payload.ok ? { meta, status: 'importing', error: null } : { meta, status: 'quarantined', error: payload.reason };
    }),
  );
  const deliveryIds: Array<number | null> = deliveries.map(() => null);
  written.forEach((i, n) => (deliveryIds[i] = ids[n]!));
  const duplicateOf = deliveries.map((_, i) => {
    const repeated = repeats[i];
    return earlier[i] ?? (repeated === null || repeated === undefined ? null : deliveryIds[repeated]!);
  });

  // Duplicates counted on the delivery they repeat: the last one's time is its last_duplicate_at.
  const counted = new Map<number, { n: number; at: number }>();
  deliveries.forEach(({ meta }, i) => {
    const of = duplicateOf[i];
    if (of === null || of === undefined) return;
    const count = counted.get(of);
    if (count) {
      count.n += 1;
      count.at = meta.receivedAt;
    } else counted.set(of, { n: 1, at: meta.receivedAt });
  });
  if (counted.size) {
    const ofIds = [...counted.keys()].sort((a, b) => a - b);
    await client.query(
      `UPDATE deliveries d SET duplicates = d.duplicates + v.n, last_duplicate_at = v.at
       FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS v (id, n, at) WHERE d.id = v.id`,
      [ofIds, ofIds.map((id) => counted.get(id)!.n), ofIds.map((id) => counted.get(id)!.at)],
    );
  }

  const stored = written.filter((i) => deliveries[i]!.payload.ok);
  const rowsOf = (i: number) => (deliveries[i]!.payload as Extract<PreparedDelivery['payload'], { ok: true }>).rows;
  const repairsOf = (i: number) => (deliveries[i]!.payload as Extract<PreparedDelivery['payload'], { ok: true }>).repairs;
  const payloads = await writePayloads(
    client,
    stored.map((i) => ({
      deliveryId: deliveryIds[i]!,
      domainId: pgText(deliveries[i]!.meta.domainId),
      receivedAt: deliveries[i]!.meta.receivedAt,
      rows: rowsOf(i),
    })),
  );
  if (stored.length) {
    const rows = stored.map((i) => rowsOf(i));
    await client.query(
      `UPDATE deliveries d SET status = 'stored', error = NULL, kind = v.kind, entry_count = v.entry_count, new_entries = v.new_entries,
         call_id = coalesce(d.call_id, v.call_id), repairs = v.repairs, first_ts = v.first_ts, last_ts = v.last_ts
       FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::bigint[])
         AS v (id, kind, entry_count, new_entries, call_id, repairs, first_ts, last_ts)
       WHERE d.id = v.id`,
      [
        stored.map((i) => deliveryIds[i]),
        rows.map((r) => r.root),
        payloads.map((p) => p.counts.entries),
        payloads.map((p) => p.counts.newEntries),
        rows.map((r) => r.callId),
        stored.map((i) => (repairsOf(i).length ? pgText(repairsOf(i).join('\n')) : null)),
        rows.map((r) => r.span?.first ?? null),
        rows.map((r) => r.span?.last ?? null),
      ],
    );
  }

  return deliveries.map(({ payload }, i): StoreOutcome => {
    const of = duplicateOf[i];
    if (of !== null && of !== undefined) return { status: 'duplicate', deliveryId: of };
    if (!payload.ok) return { status: 'quarantined', deliveryId: deliveryIds[i]!, reason: payload.reason };
    const { counts, grownRooms } = payloads[stored.indexOf(i)]!;
    return { status: 'stored', deliveryId: deliveryIds[i]!, counts, rooms: [...grownRooms], repairs: [...payload.repairs] };
  });
}

/** Stores one delivery (storeDelivery's rules) in the caller's transaction. */
export async function receiveDelivery(client: WriteSession, meta: DeliveryMeta, parsed: ParsedPayload): Promise<StoreOutcome> {
  return (await receiveDeliveries(client, [prepareDelivery(meta, parsed)]))[0]!;
}
