// Tag every hit of the current search in one action.
import { useState } from 'react';
import type { EntryFilter } from '../../../shared/api';
import { useAction } from '../data/useAction';
import { useDesk } from '../data/desk';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';
import { DialogBoundary } from './PartBoundary';

function TagAllDialogBody({ filter, hits, onClose }: { filter: EntryFilter; hits: string; onClose: () => void }) {
  const desk = useDesk();
  const action = useAction();
  const [tag, setTag] = useState([...desk.tags.keys()][0] ?? '');
  const [done, setDone] = useState<number | null>(null);
  const apply = async () => {
    const result = await action.run('tag', { tag, target: 'entry', filter });
    if (result) setDone(result.changed);
  };
  return (
    <Dialog title={`Tag all ${hits}`} onClose={onClose} testId="tag-all">
      {action.error && <ErrorNotice message={action.error} onDismiss={action.clearError} />}
      <label className="field">
        <span>Tag</span>
        <select value={tag} onChange={(e) => setTag(e.target.value)} data-testid="tag-all-choice">
          {[...desk.tags.values()].map((t) => (
            <option key={t.id} value={t.name}>
              {t.name}
              {t.hold ? ' (hold)' : ''}
            </option>
          ))}
        </select>
      </label>
      <div className="dialog-actions">
        <button type="button" onClick={() => void apply()} disabled={!tag || action.pending} data-testid="tag-all-apply">
          Tag every hit
        </button>
        {done !== null && (
          <span role="status" data-testid="tag-all-done">
            Tagged {done.toLocaleString()} {done === 1 ? 'entry' : 'entries'} “{tag}”.
          </span>
        )}
      </div>
    </Dialog>
  );
}

/** Tagging every hit, or, failing, a dialog saying what failed. */
export function TagAllDialog(props: { filter: EntryFilter; hits: string; onClose: () => void }) {
  return (
    <DialogBoundary what="Tagging every hit" onClose={props.onClose}>
      <TagAllDialogBody {...props} />
    </DialogBoundary>
  );
}
