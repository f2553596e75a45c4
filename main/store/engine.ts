// The store seam: what the data path asks of a store, as one interface two engines implement —
// SQLite (sqliteEngine.ts: today's synchronous functions, answered as promises) and PostgreSQL
// (pg/). Reads and writes are typed apart: a StoreReads holds no write method, and is made over
// connections that refuse plain writes (SQLite's query_only, PostgreSQL's read-only default).
//
// The callers of the data path (receiver, API, CLI) still use the SQLite functions directly; this
// interface is what they move onto, one at a time, as the PostgreSQL engine grows (issue #19).
import type { EntryFilter, Histogram, Keyset, SearchHit, SearchResult, TimelinePage } from '../../shared/api.js';
import type { EntryRecord } from '../../shared/entryRecord.js';
import type { ParsedPayload } from '../../shared/payload.js';
import type { AuditAction, AuditAnchor, AuditVerdict } from '../../shared/review.js';
import type { SourcedAnchor } from './audit.js';
import type { DeliveryMeta, DeliveryRow, QuarantineRow, StoreOutcome } from './deliveries.js';

export type StoreKind = 'sqlite' | 'postgres';

/** What a read connection answers. Nothing here writes. */
export interface StoreReads {
  /** One page of the timeline in (timestamp, id) order: after `position` (or before it), always oldest first. */
  timeline(filter: EntryFilter, limit: number, position?: Keyset, direction?: 'after' | 'before'): Promise<TimelinePage>;
  /** A search's first page, newest first, with its count (exact up to `countCap`, else capped). */
  search(filter: EntryFilter, limit: number, marks: [string, string], countCap?: number): Promise<SearchResult>;
  /** Hits strictly before `before`, newest first; `more` when older ones are left. */
  searchPage(
    filter: EntryFilter,
    limit: number,
    before: Keyset | undefined,
    marks: [string, string],
  ): Promise<{ hits: SearchHit[]; more: boolean }>;
  /** Exactly how many entries a filter selects. */
  countEntries(filter: EntryFilter): Promise<number>;
  histogram(filter: EntryFilter, buckets: number): Promise<Histogram>;
  /** Every entry a filter selects, in (timestamp, id) order, read a page at a time. */
  exportEntries(filter: EntryFilter): AsyncIterable<EntryRecord>;
  entryById(id: number): Promise<EntryRecord | undefined>;
  delivery(id: number): Promise<DeliveryRow | undefined>;
  quarantined(): Promise<QuarantineRow[]>;
  auditHead(): Promise<AuditAnchor>;
  verifyAudit(anchors?: readonly SourcedAnchor[]): Promise<AuditVerdict>;
}

/** What the writer does. */
export interface StoreWrites {
  /**
   * Stores one delivery (raw payload first; a repeat counted as a duplicate of the earlier one; a
   * payload that could not be parsed kept raw in quarantine with the reason). Resolves only after
   * the transaction holding it committed — grouped with the deliveries arriving at the same time.
   */
  receive(meta: DeliveryMeta, parsed: ParsedPayload): Promise<StoreOutcome>;
  /**
   * Stores the deliveries of one request (a form with the field repeated) together: all of them
   * or, when one fails, none (the request is answered 503 and sent again); outcomes in order.
   */
  receiveAll(deliveries: ReadonlyArray<{ meta: DeliveryMeta; parsed: ParsedPayload }>): Promise<StoreOutcome[]>;
  /** Appends one action of its own to the audit trail, in its own transaction. */
  appendAudit(action: AuditAction, moderator: string, details: Record<string, unknown>, at?: number): Promise<AuditAnchor>;
}

export interface StoreEngine {
  readonly kind: StoreKind;
  readonly reads: StoreReads;
  readonly writes: StoreWrites;
  close(): Promise<void>;
}
