// "Mark reviewed", a wide action asked for with care: up to where — the room's newest entry, the
// end of the range zoomed into, or the entry selected in the timeline — said before anything is
// marked, and undone in one action afterwards (the notice under the heading).
import { useState } from 'react';
import type { RoomSummary } from '../../../shared/api';
import type { EntryRecord } from '../../../shared/entryRecord';
import { useAction } from '../data/useAction';
import { useDesk } from '../data/desk';
import { formatTime, type Zone } from '../time';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';
import { whenUsable } from './keepFocus';
import { DialogBoundary } from './PartBoundary';
import { forScreen } from '../../../shared/visibleText';

interface Props {
  room: RoomSummary;
  range: { from: number; to: number } | null;
  selected: EntryRecord | null;
  zone: Zone;
  onMarked: (upTo: number) => void;
  onClose: () => void;
}

function MarkReviewedBody({ room, range, selected, zone, onMarked, onClose }: Props) {
  const desk = useDesk();
  const action = useAction();
  const choices: Array<{ id: string; label: string; upTo: number | undefined }> = [
    ...(selected
      ? [{ id: 'selected', label: `up to the selected entry (${formatTime(selected.timestamp, zone)})`, upTo: selected.timestamp }]
      : []),
    ...(range
      ? [
          {
            id: 'range',
            label: `up to the end of the zoomed range (${formatTime(range.to, zone)})`,
            upTo: Math.min(range.to, room.lastActivity ?? range.to),
          },
        ]
      : []),
    {
      id: 'newest',
      label: `up to the room's newest entry (${room.lastActivity === null ? 'none' : formatTime(room.lastActivity, zone)})`,
      upTo: undefined,
    },
  ];
  const [choice, setChoice] = useState(choices[0]!.id);
  const mark = async () => {
    const upTo = choices.find((c) => c.id === choice)!.upTo;
    // The mark this desk showed: a mark moved by another moderator since is a conflict, not overwritten.
    const result = await action.run('markReviewed', {
      room: room.name,
      domain: room.domainId,
      version: room.reviewVersion,
      ...(upTo === undefined ? {} : { upTo }),
    });
    if (!result) return;
    onMarked(result.reviewedTo);
    onClose();
  };
  return (
    <Dialog title={`Mark #${forScreen(desk.showRoom(room.name))} reviewed`} onClose={onClose} testId="mark-reviewed-dialog">
      {action.error && <ErrorNotice message={action.error} onDismiss={action.clearError} />}
      <fieldset className="choices">
        <legend>Reviewed…</legend>
        {choices.map((c) => (
          <label key={c.id} className="field-inline choice">
            <input
              type="radio"
              name="mark-upto"
              value={c.id}
              checked={choice === c.id}
              onChange={() => setChoice(c.id)}
              data-testid={`mark-upto-${c.id}`}
            />
            {c.label}
          </label>
        ))}
      </fieldset>
      <p className="muted">
        {room.reviewedTo === null ? 'It has no review mark yet.' : `It is reviewed up to ${formatTime(room.reviewedTo, zone)} now.`} The
        mark can be undone afterwards.
      </p>
      <div className="dialog-actions">
        <button type="button" {...whenUsable(action.pending, action.pending, mark)} data-testid="mark-reviewed-confirm">
          Mark reviewed
        </button>
        <button type="button" className="ghost" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

export function MarkReviewedDialog(props: Props) {
  return (
    <DialogBoundary what="Marking the room reviewed" onClose={props.onClose}>
      <MarkReviewedBody {...props} />
    </DialogBoundary>
  );
}
