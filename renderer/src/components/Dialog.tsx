// A modal dialog on the platform's own <dialog>: showModal() makes the rest of the page inert (a
// focus trap), moves focus into it, and Esc closes it; focus goes back where it was on close. A
// click on the backdrop closes it too.
import { useEffect, useRef, type ReactNode } from 'react';

interface Props {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Buttons beside the title. */
  actions?: ReactNode;
  testId?: string;
}

export function Dialog({ title, onClose, children, actions, testId }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const close = useRef(onClose);
  useEffect(() => {
    close.current = onClose;
  });

  useEffect(() => {
    const dialog = ref.current!;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    const onCancel = (event: Event) => {
      event.preventDefault();
      close.current();
    };
    const onClick = (event: MouseEvent) => {
      if (event.target === dialog) close.current(); // the backdrop: outside the dialog's box
    };
    dialog.addEventListener('cancel', onCancel);
    dialog.addEventListener('click', onClick);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      dialog.removeEventListener('click', onClick);
      dialog.close();
      before?.focus();
    };
  }, []);

  return (
    <dialog ref={ref} className="dialog" aria-labelledby="dialog-title" data-testid={testId}>
      <div className="dialog-box">
        <header className="dialog-head">
          <h2 id="dialog-title">{title}</h2>
          {actions}
          <button type="button" className="ghost" onClick={onClose} aria-label="close">
            ✕
          </button>
        </header>
        {children}
      </div>
    </dialog>
  );
}
