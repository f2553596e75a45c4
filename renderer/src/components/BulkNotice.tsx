// The last wide action (a "tag all", a review mark), said under the view's heading with its undo:
// one action takes it back, and the undo is in the audit trail like the action.
import { useRef, useState } from 'react';
import { useAction } from '../data/useAction';
import { formatTime, type Zone } from '../time';
import { ErrorNotice } from './ErrorNotice';
import { useFocusHandoff, whenUsable } from './keepFocus';
import { formatCount } from '../numbers';

export type BulkAction =
  { kind: 'tag'; batch: number; tag: string; count: number } | { kind: 'review'; room: string; domain: string; upTo: number };

export function BulkNotice({ action, zone, onDone }: { action: BulkAction; zone: Zone; onDone: () => void }) {
  const run = useAction();
  const [undone, setUndone] = useState<string | null>(null);
  // Undone, Undo is gone: focus goes to the notice's ✕.
  const notice = useRef<HTMLDivElement>(null);
  const handoff = useFocusHandoff(notice);
  const undo = async () => {
    handoff();
    if (action.kind === 'tag') {
      const result = await run.run('undoTagAll', { batch: action.batch });
      if (result) setUndone(`Undone: ${formatCount(result.removed)} entries no longer tagged “${action.tag}”.`);
    } else {
      const result = await run.run('undoMarkReviewed', { room: action.room, domain: action.domain });
      if (result)
        setUndone(
          `Undone: #${action.room} is ${result.reviewedTo === null ? 'not marked reviewed' : `reviewed up to ${formatTime(result.reviewedTo, zone)}`} again.`,
        );
    }
  };
  const said =
    action.kind === 'tag'
      ? `Tagged ${formatCount(action.count)} entries “${action.tag}”.`
      : `#${action.room} marked reviewed up to ${formatTime(action.upTo, zone)}.`;
  return (
    <div className="notice" role="status" data-testid="bulk-notice" ref={notice}>
      {run.error && <ErrorNotice message={run.error} onDismiss={run.clearError} />}
      <span>{undone ?? said}</span>
      {undone === null && (
        <button type="button" {...whenUsable(run.pending, run.pending, undo)} data-testid="bulk-undo">
          Undo
        </button>
      )}
      <button type="button" className="ghost" onClick={onDone} aria-label="dismiss">
        ✕
      </button>
    </div>
  );
}
