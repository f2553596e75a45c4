// Making a tag of one's own: a name, a colour, and (a lead) whether it is a hold (kept from purges).
import { useState } from 'react';
import { useAction } from '../data/useAction';
import { ErrorNotice } from './ErrorNotice';
import { useDesk } from '../data/desk';
import { whenUsable } from './keepFocus';

export function NewTagForm({ onCreated }: { onCreated?: (name: string) => void }) {
  const action = useAction();
  const desk = useDesk();
  const [name, setName] = useState('');
  const [colour, setColour] = useState('#2560d8');
  const [hold, setHold] = useState(false);
  // Emptied by its own success: the button stays focused, unavailable.
  const off = name.trim() === '' || action.pending;
  const create = async () => {
    const tag = await action.run('createTag', { name, colour, hold });
    if (!tag) return;
    setName('');
    setHold(false);
    onCreated?.(tag.name);
  };
  return (
    <fieldset className="new-tag">
      <legend>New tag</legend>
      {action.error && <ErrorNotice message={action.error} onDismiss={action.clearError} />}
      <label className="field">
        <span>Name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={40} data-testid="new-tag-name" />
      </label>
      <label className="field field-inline">
        <span>Colour</span>
        <input type="color" value={colour} onChange={(e) => setColour(e.target.value)} />
      </label>
      {/* A hold is a lead's to make (the "assign" permission). */}
      {desk.may('assign') && (
        <label className="field-inline">
          <input type="checkbox" checked={hold} onChange={(e) => setHold(e.target.checked)} data-testid="new-tag-hold" /> a hold (kept from
          purges)
        </label>
      )}
      <button type="button" {...whenUsable(off, action.pending, create)} data-testid="create-tag">
        Create tag
      </button>
    </fieldset>
  );
}
