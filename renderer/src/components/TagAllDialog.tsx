// Tag every hit of the current search in one action, with care: the exact number first, how far
// it is while it runs (tagProgress events), and an undo that takes exactly those tags off again.
import { useEffect, useRef, useState } from 'react';
import type { EntryFilter } from '../../../shared/api';
import { useAction } from '../data/useAction';
import { useDesk } from '../data/desk';
import { transport } from '../transport';
import type { BulkAction } from './BulkNotice';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';
import { useFocusHandoff, whenUsable } from './keepFocus';
import { DialogBoundary } from './PartBoundary';
import { formatCount } from '../numbers';

interface Props {
  filter: EntryFilter;
  /** The exact number of hits, counted before this dialog opened. */
  count: number;
  onTagged: (action: BulkAction) => void;
  onClose: () => void;
}

/** How far a "tag all" (or its undo) is: from main's tagProgress events. */
export function useTagProgress(undo: boolean): { done: number; of: number } | null {
  const [progress, setProgress] = useState<{ done: number; of: number } | null>(null);
  useEffect(
    () =>
      transport.onEvent((event) => {
        if (event.type === 'tagProgress' && event.undo === undo) setProgress({ done: event.done, of: event.of });
      }),
    [undo],
  );
  return progress;
}

function TagAllDialogBody({ filter, count, onTagged, onClose }: Props) {
  const desk = useDesk();
  const action = useAction();
  const [tag, setTag] = useState([...desk.tags.keys()][0] ?? '');
  const [done, setDone] = useState<{ changed: number; batch: number } | null>(null);
  const [undone, setUndone] = useState<number | null>(null);
  const progress = useTagProgress(false);
  const undoProgress = useTagProgress(true);
  const entries = (n: number) => `${formatCount(n)} ${n === 1 ? 'entry' : 'entries'}`;
  // Tagged, the button becomes Undo: focus goes to it.
  const actions = useRef<HTMLDivElement>(null);
  const handoff = useFocusHandoff(actions);
  const apply = async () => {
    const result = await action.run('tag', { tag, target: 'entry', filter });
    if (result?.batch === undefined) return;
    handoff();
    setDone({ changed: result.changed, batch: result.batch });
    onTagged({ kind: 'tag', batch: result.batch, tag, count: result.changed });
  };
  const undo = async () => {
    if (!done) return;
    const result = await action.run('undoTagAll', { batch: done.batch });
    if (result) setUndone(result.removed);
  };
  const running = action.pending && done === null;
  return (
    <Dialog title={`Tag all ${formatCount(count)} hits`} onClose={onClose} testId="tag-all">
      {action.error && <ErrorNotice message={action.error} onDismiss={action.clearError} />}
      <p>
        This puts a tag on <strong data-testid="tag-all-count">{entries(count)}</strong>: every hit of this search. It can be undone in one
        action afterwards.
      </p>
      <label className="field">
        <span>Tag</span>
        <select value={tag} onChange={(e) => setTag(e.target.value)} disabled={done !== null} data-testid="tag-all-choice">
          {[...desk.tags.values()].map((t) => (
            <option key={t.id} value={t.name}>
              {t.name}
              {t.hold ? ' (hold)' : ''}
            </option>
          ))}
        </select>
      </label>
      {running && (
        <p role="status">
          Tagging… <progress max={progress?.of ?? count} value={progress?.done ?? 0} aria-label="tagged so far" />{' '}
          <span data-testid="tag-all-progress">
            {formatCount(progress?.done ?? 0)} of {formatCount(progress?.of ?? count)}
          </span>
        </p>
      )}
      <div className="dialog-actions" ref={actions}>
        {done === null ? (
          <button type="button" disabled={!tag} {...whenUsable(action.pending, action.pending, apply)} data-testid="tag-all-apply">
            Tag {entries(count)} “{tag}”
          </button>
        ) : undone === null ? (
          <>
            <span role="status" data-testid="tag-all-done">
              Tagged {entries(done.changed)} “{tag}”{done.changed < count ? ` (${entries(count - done.changed)} had it already)` : ''}.
            </span>
            <button type="button" {...whenUsable(action.pending, action.pending, undo)} data-testid="tag-all-undo">
              Undo: take these {formatCount(done.changed)} tags off
            </button>
            {action.pending && undoProgress && (
              <span className="muted">
                {formatCount(undoProgress.done)} of {formatCount(undoProgress.of)} taken off
              </span>
            )}
          </>
        ) : (
          <span role="status" data-testid="tag-all-undone">
            Undone: {entries(undone)} no longer tagged “{tag}”.
          </span>
        )}
      </div>
    </Dialog>
  );
}

/** Tagging every hit, or, failing, a dialog saying what failed. */
export function TagAllDialog(props: Props) {
  return (
    <DialogBoundary what="Tagging every hit" onClose={props.onClose}>
      <TagAllDialogBody {...props} />
    </DialogBoundary>
  );
}
