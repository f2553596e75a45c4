// Tags and notes of one entry: switch tags on and off, make a new tag (a colour, perhaps a hold),
// read and add notes. Every change is in the audit trail under the moderator's name.
import { useState } from 'react';
import type { EntryRecord } from '../../../shared/entryRecord';
import { useAction } from '../data/useAction';
import { useApi } from '../data/useApi';
import { useDesk } from '../data/desk';
import { formatTime, type Zone } from '../time';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';
import { NewTagForm } from './NewTagForm';

export function TagEditor({ entry, zone, onClose }: { entry: EntryRecord; zone: Zone; onClose: () => void }) {
  const desk = useDesk();
  const review = useApi('entryReviews', { ids: [entry.id] });
  const notes = useApi('notes', { target: 'entry', targetId: entry.id });
  const action = useAction();
  const [note, setNote] = useState('');
  const applied = new Set(review.data?.[entry.id]?.tags ?? []);

  const toggle = (name: string) => void action.run('tag', { tag: name, target: 'entry', ids: [entry.id], remove: applied.has(name) });
  const addNote = async () => {
    if ((await action.run('addNote', { target: 'entry', targetId: entry.id, text: note })) !== undefined) setNote('');
  };

  return (
    <Dialog title="Tags and notes" onClose={onClose} testId="tag-editor">
      <p className="review-subject">
        <span className="muted">
          {formatTime(entry.timestamp, zone)} · #{entry.room} ·{' '}
        </span>
        {entry.userId === null ? 'system' : desk.showUser(entry.userId)}: {entry.content ?? entry.type}
      </p>
      {action.error && <ErrorNotice message={action.error} onDismiss={action.clearError} />}
      <fieldset className="tag-picker">
        <legend>Tags</legend>
        {[...desk.tags.values()].map((tag) => (
          <label key={tag.id} className="tag-option">
            <input type="checkbox" checked={applied.has(tag.name)} onChange={() => toggle(tag.name)} disabled={action.pending} />
            <span className="tag-dot" aria-hidden ref={(el) => el?.style.setProperty('--tag', tag.colour)} />
            {tag.name}
            {tag.hold && <span className="badge">hold</span>}
          </label>
        ))}
      </fieldset>
      <NewTagForm onCreated={(name) => toggle(name)} />
      <section className="notes" aria-label="notes">
        <h3>Notes</h3>
        {notes.error && <ErrorNotice message={notes.error} />}
        {notes.data?.length === 0 && <p className="muted">No notes yet.</p>}
        <ul className="note-list">
          {notes.data?.map((n) => (
            <li key={n.id}>
              <p className="note-text">{n.text}</p>
              <span className="muted">
                {n.moderator} · {formatTime(n.at, zone)}
              </span>
            </li>
          ))}
        </ul>
        <label className="field">
          <span>Add a note</span>
          <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={3} data-testid="note-text" />
        </label>
        <button type="button" onClick={() => void addNote()} disabled={note.trim() === '' || action.pending} data-testid="add-note">
          Add note
        </button>
      </section>
    </Dialog>
  );
}
