// First start: who is moderating. The name goes with every action into the audit trail; closing
// the dialog keeps the name it proposes.
import { NameDialog } from './NameDialog';

export function ModeratorDialog({ suggested, onClose }: { suggested: string; onClose: () => void }) {
  return (
    <NameDialog
      title="Who is moderating?"
      idPrefix="moderator"
      label="Moderator"
      initial={suggested}
      confirm="Start"
      save={(name, run) => run('setModerator', { name })}
      onClose={onClose}
      onDismiss={(save) => save()}
    >
      <p>Your name goes with everything you do here (tags, notes, decisions, exports) into the audit trail.</p>
    </NameDialog>
  );
}
