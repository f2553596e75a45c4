// A change the moderator made on a version someone else changed first: what happened, by whom and
// how long ago ("dismissed by maya 2 min ago"), that nothing was changed and what they typed is
// kept, and the way on (look at the current version and act again).
import { conflictLine, type Conflict } from '../../../shared/conflict';
import { useNow } from '../data/usePresence';
import { relative } from '../time';
import { forScreen } from '../../../shared/visibleText';

const SUBJECT: Record<Conflict['subject'], string> = {
  report: 'This report',
  note: 'This note',
  'review mark': 'The review mark',
  tag: 'This tag',
};

function currentState(conflict: Conflict): string | null {
  if (conflict.subject !== 'report') return null;
  const { status, claim } = conflict.current;
  return `It is ${status} now${claim ? `, ${claim.assignedBy ? 'assigned to' : 'claimed by'} ${forScreen(claim.by)}` : ''}.`;
}

interface Props {
  conflict: Conflict;
  /** The server's own words: used when the desk sent no version at all (an older desk's call). */
  message: string;
  /** What is kept for the moderator: "Your reason is kept." */
  kept?: string;
  /** Acts again on the current version (the button's words in `againLabel`). */
  onAgain?: () => void;
  againLabel?: string;
}

export function ConflictNotice({ conflict, message, kept, onAgain, againLabel = 'Decide again on the current version' }: Props) {
  const now = useNow();
  if (conflict.change === 'no version')
    return (
      <div className="notice notice-error conflict-notice" role="alert" data-testid="conflict-notice">
        <span>{message}</span>
      </div>
    );
  return (
    <div className="notice notice-error conflict-notice" role="alert" data-testid="conflict-notice">
      <div className="conflict-text">
        <strong>{SUBJECT[conflict.subject]} changed before your change reached it: </strong>
        <span data-testid="conflict-what">
          {conflictLine(conflict)}
          {conflict.at !== null && ` ${relative(conflict.at, Math.max(now, conflict.at))}`}
        </span>
        . Nothing was changed. {currentState(conflict)} {kept}
      </div>
      {onAgain && (
        <button type="button" onClick={onAgain} data-testid="conflict-again">
          {againLabel}
        </button>
      )}
    </div>
  );
}
