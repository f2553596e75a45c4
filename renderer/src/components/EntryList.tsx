// A short list of entries as a keyboard-usable grid (search hits, a report's messages, watchlist
// matches): one tab stop, its rows' buttons for the mouse only; ↑↓ (j k) select, Enter opens in
// context, t tags and notes, u the user's activity, w who was there; a click selects. The entry
// selected is remembered by the view, so Back returns to it.
import { useState } from 'react';
import { useEntryReviews } from '../data/useEntryReviews';
import { useRemembered } from '../data/useNavigation';
import { entrySubject, TagEditor } from './TagEditor';
import { useDesk } from '../data/desk';
import type { EntryRecord } from '../../../shared/entryRecord';
import type { Zone } from '../time';
import { EntryRow } from './EntryRow';
import { gridKeys } from './gridKeys';
import { PresenceDialog } from './PresenceDialog';

interface Props {
  entries: Array<EntryRecord & { snippet?: string }>;
  label: string;
  zone: Zone;
  /** A user's activity: the user of that ID in `domain` (an entry's, a report's), when known. */
  onUser: (userId: string, domain?: string) => void;
  onOpen: (entry: EntryRecord) => void;
  /** The view's first item: it takes focus when the view opens (focusView.ts). */
  viewFocus?: boolean;
  /** What the selection is remembered under (the list's label, by default). */
  memoryKey?: string;
  testId?: string;
}

export function EntryList({ entries, label, zone, onUser, onOpen, viewFocus, memoryKey, testId }: Props) {
  const [selectedId, setSelectedId] = useRemembered<number | null>(`entries:${memoryKey ?? label}`, entries[0]?.id ?? null);
  const [reviewing, setReviewing] = useState<EntryRecord | null>(null);
  const [asking, setAsking] = useState<EntryRecord | null>(null);
  const desk = useDesk();
  const reviews = useEntryReviews(entries);
  const found = entries.findIndex((entry) => entry.id === selectedId);
  const selected = found >= 0 ? found : 0;
  const current = entries[selected];

  const select = (index: number) => {
    setSelectedId(entries[index]!.id);
    document.getElementById(`entry-${entries[index]!.id}`)?.scrollIntoView({ block: 'nearest' });
  };

  const grid = (
    <div
      className="entry-list"
      role="grid"
      aria-label={`${label}: arrow keys move, Enter opens in context, t tags, u the user, w who was there`}
      tabIndex={0}
      aria-activedescendant={current ? `entry-${current.id}` : undefined}
      onKeyDown={(event) =>
        gridKeys(event, entries.length, selected, {
          move: select,
          open: () => current && onOpen(current),
          review: () => current && setReviewing(current),
          user: () => current?.userId && onUser(current.userId, current.domainId),
          who: () => current && setAsking(current),
        })
      }
      data-view-focus={viewFocus || undefined}
      data-testid={testId}
    >
      {entries.map((entry, i) => (
        <EntryRow
          key={entry.id}
          entry={entry}
          zone={zone}
          showRoom
          selected={i === selected}
          review={reviews[entry.id]}
          onUser={onUser}
          onOpen={() => onOpen(entry)}
          onReview={() => setReviewing(entry)}
          onWho={() => setAsking(entry)}
          onSelect={() => setSelectedId(entry.id)}
        />
      ))}
    </div>
  );
  return (
    <>
      {grid}
      {reviewing && (
        <TagEditor subject={entrySubject(reviewing, zone, desk.showUser, desk.showRoom)} zone={zone} onClose={() => setReviewing(null)} />
      )}
      {asking && <PresenceDialog entry={asking} zone={zone} onUser={onUser} onClose={() => setAsking(null)} />}
    </>
  );
}
