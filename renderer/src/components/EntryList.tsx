// A short list of entries as a keyboard-usable grid (search hits, a user's recent entries): ↑↓
// (j k) select, Enter opens in context, t opens tags and notes, a click selects.
import { useState } from 'react';
import { useEntryReviews } from '../data/useEntryReviews';
import { entrySubject, TagEditor } from './TagEditor';
import { useDesk } from '../data/desk';
import type { EntryRecord } from '../../../shared/entryRecord';
import type { Zone } from '../time';
import { EntryRow } from './EntryRow';
import { gridKeys } from './gridKeys';

interface Props {
  entries: Array<EntryRecord & { snippet?: string }>;
  label: string;
  zone: Zone;
  onUser: (userId: string) => void;
  onOpen: (entry: EntryRecord) => void;
  testId?: string;
}

export function EntryList({ entries, label, zone, onUser, onOpen, testId }: Props) {
  const [selectedId, setSelectedId] = useState<number | null>(entries[0]?.id ?? null);
  const [reviewing, setReviewing] = useState<EntryRecord | null>(null);
  const desk = useDesk();
  const reviews = useEntryReviews(entries);
  const found = entries.findIndex((entry) => entry.id === selectedId);
  const selected = found >= 0 ? found : 0;

  const select = (index: number) => {
    setSelectedId(entries[index]!.id);
    document.getElementById(`entry-${entries[index]!.id}`)?.scrollIntoView({ block: 'nearest' });
  };

  const grid = (
    <div
      className="entry-list"
      role="grid"
      aria-label={label}
      tabIndex={0}
      aria-activedescendant={entries[selected] ? `entry-${entries[selected].id}` : undefined}
      onKeyDown={(event) =>
        gridKeys(event, entries.length, selected, {
          move: select,
          open: () => entries[selected] && onOpen(entries[selected]),
          review: () => entries[selected] && setReviewing(entries[selected]),
        })
      }
      onMouseDown={(event) => {
        const id = (event.target as HTMLElement).closest<HTMLElement>('[data-entry-id]')?.dataset['entryId'];
        if (id !== undefined) setSelectedId(Number(id));
      }}
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
        />
      ))}
    </div>
  );
  return (
    <>
      {grid}
      {reviewing && <TagEditor subject={entrySubject(reviewing, zone, desk.showUser)} zone={zone} onClose={() => setReviewing(null)} />}
    </>
  );
}
