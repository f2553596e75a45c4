// The desk's review reads over PostgreSQL: the abuse report queue and its counts, one report whole,
// the moderators a report can be given to, the connection lists, the quarantine and a payload in
// it, the audit trail and its verdict. Arguments are cleaned as readCalls.ts cleans them (the
// same functions); the SQL is PostgreSQL's own (store/pg/desk/).
import type { AsyncReadCalls, PgReadContext } from '../pgReadCalls.js';
import { auditLimit, quarantinedDelivery, quarantinedPayload, reportListOptions, snapshotKind, snapshotListOptions } from '../readCalls.js';
import { auditPage } from '../../store/pg/desk/audit.js';
import { connectionSnapshot, listConnectionSnapshots } from '../../store/pg/desk/connectionSnapshots.js';
import { knownModerators, listReports, reportCounts, reportDetail } from '../../store/pg/desk/reports.js';

type ReportReadMethod =
  | 'reports'
  | 'reportCounts'
  | 'report'
  | 'moderators'
  | 'connectionSnapshots'
  | 'connectionSnapshot'
  | 'quarantine'
  | 'quarantinePayload'
  | 'audit';

export function reportReads({ reader, reads }: PgReadContext): Pick<AsyncReadCalls, ReportReadMethod> {
  const { pool } = reader;
  return {
    reports: ({ status, text }) => listReports(pool, reportListOptions({ status, text })),

    reportCounts: () => reportCounts(pool),

    report: ({ id }) => reportDetail(pool, Number(id)),

    moderators: () => knownModerators(pool),

    connectionSnapshots: ({ before, limit }) => listConnectionSnapshots(pool, snapshotListOptions({ before, limit })),

    connectionSnapshot: ({ kind, id }) => connectionSnapshot(pool, snapshotKind(kind), Number(id)),

    quarantine: async () => (await reads.quarantined()).map(quarantinedDelivery),

    async quarantinePayload({ id }) {
      const wanted = Number(id);
      // An id that is no whole number names no delivery (SQLite finds none; PostgreSQL would refuse it as a bigint).
      return quarantinedPayload(id, Number.isSafeInteger(wanted) ? await reads.delivery(wanted) : undefined);
    },

    audit: ({ limit }) => auditPage(pool, auditLimit(limit)),
  };
}
