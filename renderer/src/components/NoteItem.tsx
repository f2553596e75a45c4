// One note: its text, who wrote it and when (and who edited it last); its author, or someone with
// "assign", edits it in place. An edit names the version its text was taken from (when Edit was
// pressed, or "Edit the current version" after a conflict), not the one a live update brought in
// meanwhile: the text being typed never saw that one. When someone else edited it first, the
// conflict is shown and the text being typed is kept, beside the note as it is now.
import { useRef, useState } from 'react';
import type { Note } from '../../../shared/review';
import { useAction } from '../data/useAction';
import { useDesk } from '../data/desk';
import { formatTime, type Zone } from '../time';
import { ConflictNotice } from './ConflictNotice';
import { ErrorNotice } from './ErrorNotice';
import { Name, Visible } from './Name';
import { forScreen } from '../../../shared/visibleText';
import { unavailable, useFocusHandoff } from './keepFocus';

export function NoteItem({ note, zone, mentions }: { note: Note; zone: Zone; mentions: Iterable<string> | null }) {
  const desk = useDesk();
  const action = useAction();
  /** The text being typed, and the version of the note it started from. */
  const [editing, setEditing] = useState<{ text: string; version: number } | null>(null);
  const draft = editing?.text ?? null;
  const session = desk.session;
  const mayEdit = !!session && (note.moderator === session.moderator || session.permissions.includes('assign'));
  // Edit becomes the text and Save, Save and Cancel become Edit: focus goes to the text, or to Edit.
  const item = useRef<HTMLLIElement>(null);
  const handoff = useFocusHandoff(item, 'textarea, button');
  const edit = (text: string | null) => {
    handoff();
    setEditing(text === null ? null : { text, version: note.version });
  };
  const save = async () => {
    if (editing === null) return;
    if ((await action.run('editNote', { id: note.id, text: editing.text, version: editing.version })) !== undefined) edit(null);
  };
  const noSave = draft === null || draft.trim() === '' || action.pending;
  return (
    <li data-testid="note" ref={item}>
      {draft === null ? (
        <p className="note-text" dir="auto">
          <Visible text={desk.showText(note.text, mentions)} kind="content" />
        </p>
      ) : (
        <label className="field">
          <span>Edit the note</span>
          <textarea
            value={draft}
            onChange={(e) => {
              const text = e.target.value;
              setEditing((now) => (now === null ? now : { ...now, text }));
            }}
            rows={3}
            data-testid="note-edit-text"
          />
        </label>
      )}
      <span className="muted">
        <Name text={note.moderator} /> · {formatTime(note.at, zone)}
        {note.editedBy !== null && note.editedAt !== null && ` · edited by ${forScreen(note.editedBy)} ${formatTime(note.editedAt, zone)}`}
      </span>{' '}
      {mayEdit &&
        (draft === null ? (
          <button type="button" className="ghost" onClick={() => edit(note.text)} data-testid="note-edit">
            Edit
          </button>
        ) : (
          <>
            <button
              type="button"
              onClick={() => {
                if (!noSave) void save();
              }}
              disabled={draft.trim() === ''}
              {...unavailable(action.pending, action.pending)}
              data-testid="note-save"
            >
              Save
            </button>
            <button
              type="button"
              className="ghost"
              onClick={() => {
                edit(null);
                action.clearError();
              }}
            >
              Cancel
            </button>
          </>
        ))}
      {action.conflict ? (
        <ConflictNotice
          conflict={action.conflict}
          message={action.error ?? ''}
          kept="Your text is kept: the note above is the current version."
          onAgain={() => {
            // The kept text, now on the version shown above it.
            setEditing((now) => (now === null ? now : { ...now, version: note.version }));
            action.clearError();
          }}
          againLabel="Edit the current version"
        />
      ) : (
        action.error && <ErrorNotice message={action.error} onDismiss={action.clearError} />
      )}
    </li>
  );
}
