// The SQLite store behind the seam (engine.ts): today's synchronous functions, unchanged, their
// answers wrapped in promises. Two connections, as the desk has them: the writer (migrated, WAL,
// synchronous=FULL; deliveries through group commit as the receiver stores them) and a reader
// opened query_only, which cannot write.
import type { EntryFilter } from '../../shared/api.js';
import { ftsParts } from '../../shared/ftsQuery.js';
import { GroupCommit } from '../intake/receiver/groupCommit.js';
import { appendAuditRow, auditHead, verifyAudit } from './audit.js';
import { openDatabase, type Db } from './db.js';
import { getDelivery, listQuarantined, storeDelivery } from './deliveries.js';
import type { StoreEngine, StoreReads, StoreWrites } from './engine.js';
import { entryHistogram } from './entryHistogram.js';
import { entryById, entryPage } from './entryQuery.js';
import { allEntries } from './entryStream.js';
import { searchEntries } from './entrySearch.js';
import { countEntries, searchPage } from './searchPages.js';

function sqliteReads(db: Db): StoreReads {
  return {
    timeline: async (filter, limit, position, direction) => entryPage(db, filter, limit, position, direction),
    async search(filter, limit, marks, countCap) {
      // As the desk's search call: text that only excludes (-spam) is no full-text search.
      if (filter.text !== undefined && ftsParts(filter.text)?.match == null) {
        const { hits, more } = searchPage(db, filter, limit, undefined, marks);
        return { hits, total: hits.length, capped: more };
      }
      return searchEntries(db, filter, limit, marks, countCap);
    },
    searchPage: async (filter, limit, before, marks) => searchPage(db, filter, limit, before, marks),
    countEntries: async (filter) => countEntries(db, filter),
    histogram: async (filter, buckets) => entryHistogram(db, filter, buckets),
    exportEntries: (filter: EntryFilter) => ({
      async *[Symbol.asyncIterator]() {
        yield* allEntries(db, filter);
      },
    }),
    entryById: async (id) => entryById(db, id),
    delivery: async (id) => getDelivery(db, id),
    quarantined: async () => listQuarantined(db),
    auditHead: async () => auditHead(db),
    verifyAudit: async (anchors) => verifyAudit(db, anchors),
  };
}

function sqliteWrites(db: Db): StoreWrites {
  const commit = new GroupCommit(db);
  return {
    receive: (meta, parsed) => commit.submit((options) => storeDelivery(db, meta, parsed, options)),
    // As the receiver stores a request's deliveries: one savepoint for all of them inside the group.
    receiveAll: (deliveries) => commit.receiveAll(deliveries),
    appendAudit: async (action, moderator, details, at) =>
      db.transaction(() => appendAuditRow(db, action, moderator, details, at)).immediate(),
  };
}

/** The SQLite file at `path` behind the seam (created and migrated when new). */
export function openSqliteEngine(path: string): StoreEngine {
  const writer = openDatabase(path);
  const reader = openDatabase(path, { readOnly: true });
  return {
    kind: 'sqlite',
    reads: sqliteReads(reader),
    writes: sqliteWrites(writer),
    async close() {
      reader.close();
      writer.close();
    },
  };
}
