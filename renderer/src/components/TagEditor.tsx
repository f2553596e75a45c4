// Tags and notes of one entry, user or room: switch tags on and off, make a new tag (a colour,
// perhaps a hold), read and add notes. Every change is in the audit trail under the moderator's name.
import { useState, type ReactNode } from 'react';
import type { EntryRecord } from '../../../shared/entryRecord';
import type { ReviewTarget } from '../../../shared/review';
import { useAction } from '../data/useAction';
import { useApi } from '../data/useApi';
import { useDesk, useMentions } from '../data/desk';
import { formatTime, type Zone } from '../time';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';
import { NewTagForm } from './NewTagForm';
import { NoteItem } from './NoteItem';
import { unavailable, whenUsable } from './keepFocus';
import { DialogBoundary } from './PartBoundary';
import { Name, Visible } from './Name';

/** What is being tagged: its kind, its id in the database, and how to say what it is. */
export interface ReviewSubject {
  target: ReviewTarget;
  id: number;
  label: ReactNode;
}

export function entrySubject(
  entry: EntryRecord,
  zone: Zone,
  showUser: (userId: string) => string,
  showRoom: (name: string) => string = (name) => name,
): ReviewSubject {
  return {
    target: 'entry',
    id: entry.id,
    label: (
      <>
        <span className="muted">
          {formatTime(entry.timestamp, zone)} · #<Name text={showRoom(entry.room)} /> ·{' '}
        </span>
        {entry.userId === null ? 'system' : <Name text={showUser(entry.userId)} />}:{' '}
        <bdi dir="auto">
          <Visible text={entry.content ?? entry.type} kind="content" />
        </bdi>
      </>
    ),
  };
}

function TagEditorBody({ subject, zone, onClose }: { subject: ReviewSubject; zone: Zone; onClose: () => void }) {
  const desk = useDesk();
  const { target, id } = subject;
  const review = useApi('reviews', { target, ids: [id] });
  const notes = useApi('notes', { target, targetId: id });
  const action = useAction();
  const [note, setNote] = useState('');
  const applied = new Set(review.data?.[id]?.tags ?? []);
  const mentions = useMentions(notes.data?.map((n) => n.text) ?? []);

  // Taking a tag off names the tag as shown (when it was put on): one taken off or put on again since is a conflict.
  const toggle = (name: string) =>
    void action.run('tag', { tag: name, target, ids: [id], remove: applied.has(name), linkedAt: review.data?.[id]?.linkedAt[name] });
  const noNote = note.trim() === '' || action.pending;
  const addNote = async () => {
    if ((await action.run('addNote', { target, targetId: id, text: note })) !== undefined) setNote('');
  };

  return (
    <Dialog title={`Tags and notes of this ${target}`} onClose={onClose} testId="tag-editor">
      <p className="review-subject">{subject.label}</p>
      {action.error && <ErrorNotice message={action.error} onDismiss={action.clearError} />}
      <fieldset className="tag-picker">
        <legend>Tags</legend>
        {[...desk.tags.values()].map((tag) => {
          // Taking a hold's tag off lifts the hold: a lead's, as making it one is (the server refuses it otherwise).
          const heldHere = tag.hold && applied.has(tag.name) && !desk.may('assign');
          return (
            <span key={tag.id} className="tag-option">
              <label className="tag-option" {...(heldHere ? { title: 'a hold: a lead takes it off' } : {})}>
                <input
                  type="checkbox"
                  checked={applied.has(tag.name)}
                  onChange={() => {
                    if (!action.pending && !heldHere) toggle(tag.name);
                  }}
                  {...unavailable(action.pending || heldHere, action.pending)}
                />
                <span className="tag-dot" aria-hidden ref={(el) => el?.style.setProperty('--tag', tag.colour)} />
                <Name text={tag.name} />
              </label>
              {/* Making a tag a hold, or lifting it, is a lead's (the "assign" permission); anyone sees which tags are holds. */}
              {desk.may('assign') ? (
                <button
                  type="button"
                  className={`ghost tag-hold-toggle${tag.hold ? ' toggled' : ''}`}
                  aria-pressed={tag.hold}
                  onClick={() => void action.run('setTagHold', { name: tag.name, hold: !tag.hold })}
                  title={tag.hold ? 'a hold: what carries it is kept from purges (click to lift)' : 'make it a hold: kept from purges'}
                  data-testid="tag-hold-toggle"
                >
                  hold
                </button>
              ) : (
                tag.hold && (
                  <span className="muted tag-hold-mark" title="a hold: what carries it is kept from purges (a lead makes and lifts holds)">
                    hold
                  </span>
                )
              )}
            </span>
          );
        })}
      </fieldset>
      <NewTagForm onCreated={(name) => toggle(name)} />
      <section className="notes" aria-label="notes">
        <h3>Notes</h3>
        {notes.error && <ErrorNotice message={notes.error} />}
        {notes.data?.length === 0 && <p className="muted">No notes yet.</p>}
        <ul className="note-list">
          {notes.data?.map((n) => (
            <NoteItem key={n.id} note={n} zone={zone} mentions={mentions} />
          ))}
        </ul>
        <label className="field">
          <span>Add a note</span>
          <textarea value={note} onChange={(e) => setNote(e.target.value)} rows={3} data-testid="note-text" />
        </label>
        <button type="button" {...whenUsable(noNote, action.pending, addNote)} data-testid="add-note">
          Add note
        </button>
      </section>
    </Dialog>
  );
}

/** Tags and notes, or, failing, a dialog saying what failed. */
export function TagEditor(props: { subject: ReviewSubject; zone: Zone; onClose: () => void }) {
  return (
    <DialogBoundary what="Tags and notes" onClose={props.onClose}>
      <TagEditorBody {...props} />
    </DialogBoundary>
  );
}
