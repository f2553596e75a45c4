// A dialog that asks for one name and does one thing with it (who is moderating, what to call a
// saved search): the field, the button, and why it failed if it did.
import { useState, type ReactNode } from 'react';
import { useAction } from '../data/useAction';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';
import { whenUsable } from './keepFocus';
import { DialogBoundary } from './PartBoundary';

interface Props {
  title: string;
  /** Test ids: IDPREFIX-dialog, IDPREFIX-name, IDPREFIX-save. */
  idPrefix: string;
  children: ReactNode;
  label: string;
  initial: string;
  confirm: string;
  /** Does the thing with the name; answers whether it worked (the dialog closes then). */
  save: (name: string, run: ReturnType<typeof useAction>['run']) => Promise<unknown>;
  onClose: () => void;
  /** What Esc or ✕ does (default: close without saving). */
  onDismiss?: (save: () => void) => void;
}

function NameDialogBody({ title, idPrefix, children, label, initial, confirm, save, onClose, onDismiss }: Props) {
  const [name, setName] = useState(initial);
  const action = useAction();
  const submit = async () => {
    if (await save(name, action.run)) onClose();
  };
  return (
    <Dialog title={title} onClose={onDismiss ? () => onDismiss(() => void submit()) : onClose} testId={`${idPrefix}-dialog`}>
      {children}
      {action.error && <ErrorNotice message={action.error} />}
      <label className="field">
        <span>{label}</span>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={80} data-testid={`${idPrefix}-name`} />
      </label>
      <div className="dialog-actions">
        <button
          type="button"
          disabled={name.trim() === ''}
          {...whenUsable(action.pending, action.pending, submit)}
          data-testid={`${idPrefix}-save`}
        >
          {confirm}
        </button>
      </div>
    </Dialog>
  );
}

/** The dialog, or, failing, a dialog saying what failed. */
export function NameDialog(props: Props) {
  return (
    <DialogBoundary what={`The dialog “${props.title}”`} onClose={props.onClose}>
      <NameDialogBody {...props} />
    </DialogBoundary>
  );
}
