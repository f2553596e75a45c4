// Naming the current query, to find it again with what is new since.
import { useState } from 'react';
import { useAction } from '../data/useAction';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';

export function SaveSearchDialog({ query, onClose }: { query: string; onClose: () => void }) {
  const [name, setName] = useState(query.slice(0, 80));
  const action = useAction();
  const save = async () => {
    if (await action.run('saveSearch', { name, query })) onClose();
  };
  return (
    <Dialog title="Save this search" onClose={onClose} testId="save-search-dialog">
      <p>
        <code>{query}</code>
      </p>
      {action.error && <ErrorNotice message={action.error} />}
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={80} data-testid="save-search-name" />
      </label>
      <div className="dialog-actions">
        <button type="button" onClick={() => void save()} disabled={name.trim() === '' || action.pending} data-testid="save-search-save">
          Save
        </button>
      </div>
    </Dialog>
  );
}
