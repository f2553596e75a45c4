// First start: who is moderating. The name goes with every action into the audit trail.
import { useState } from 'react';
import { useAction } from '../data/useAction';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';

export function ModeratorDialog({ suggested, onClose }: { suggested: string; onClose: () => void }) {
  const [name, setName] = useState(suggested);
  const action = useAction();
  const save = async () => {
    if (await action.run('setModerator', { name })) onClose();
  };
  return (
    <Dialog title="Who is moderating?" onClose={() => void save()} testId="moderator-dialog">
      <p>Your name goes with everything you do here (tags, notes, decisions, exports) into the audit trail.</p>
      {action.error && <ErrorNotice message={action.error} />}
      <label className="field">
        <span>Moderator</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={80} data-testid="moderator-name" />
      </label>
      <div className="dialog-actions">
        <button type="button" onClick={() => void save()} disabled={name.trim() === '' || action.pending} data-testid="moderator-save">
          Start
        </button>
      </div>
    </Dialog>
  );
}
