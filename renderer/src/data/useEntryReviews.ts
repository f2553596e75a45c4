import type { EntryRecord } from '../../../shared/entryRecord';
import type { EntryReview } from '../../../shared/review';
import { useApi } from './useApi';

/** The tags and note counts of the entries on screen (the window or the list they belong to). */
export function useEntryReviews(entries: EntryRecord[]): Record<number, EntryReview> {
  const ids = entries.map((entry) => entry.id);
  return useApi('reviews', { target: 'entry', ids }, { enabled: ids.length > 0, keepPrevious: true }).data ?? {};
}
