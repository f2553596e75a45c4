// The desk's entry reads over PostgreSQL: the timeline, search and its pages, counts, the chart,
// an entry in its context. The store seam's reads (store/pg/reads.ts) answer them; here is what
// readCalls.ts does around them: untrusted arguments cleaned, limits clamped.
import { SNIPPET_MARKS } from '../../../shared/api.js';
import { UserFacingError } from '../../../shared/userFacingError.js';
import type { AsyncReadCalls, PgReadContext } from '../pgReadCalls.js';
import { clampLimit, cleanFilter, cleanKeyset, histogramBuckets } from '../readCalls.js';

type EntryReadMethod = 'timeline' | 'search' | 'searchPage' | 'countEntries' | 'histogram' | 'context';

export function entryReads({ reads }: PgReadContext): Pick<AsyncReadCalls, EntryReadMethod> {
  return {
    timeline: ({ filter, from, direction, limit }) =>
      reads.timeline(cleanFilter(filter), clampLimit(limit), cleanKeyset(from), direction === 'before' ? 'before' : 'after'),

    search: ({ filter, limit }) => reads.search(cleanFilter(filter), clampLimit(limit), SNIPPET_MARKS),

    searchPage: ({ filter, before, limit }) => reads.searchPage(cleanFilter(filter), clampLimit(limit), cleanKeyset(before), SNIPPET_MARKS),

    countEntries: async ({ filter }) => ({ total: await reads.countEntries(cleanFilter(filter)) }),

    histogram: ({ filter, buckets }) => reads.histogram(cleanFilter(filter), histogramBuckets(buckets)),

    async context({ entryId, radius }) {
      const focus = Number.isSafeInteger(entryId) ? await reads.entryById(entryId) : undefined;
      if (!focus) throw new UserFacingError(`no entry ${entryId}`);
      const at = { timestamp: focus.timestamp, id: focus.id };
      const n = clampLimit(radius);
      const [before, after] = await Promise.all([
        reads.timeline({ room: focus.room, domain: focus.domainId }, n, at, 'before'),
        reads.timeline({ room: focus.room, domain: focus.domainId }, n, at, 'after'),
      ]);
      return { entries: [...before.entries, focus, ...after.entries], focusId: focus.id };
    },
  };
}
