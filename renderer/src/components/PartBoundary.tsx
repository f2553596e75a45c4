// Where one part of the desk fails to draw (a view, a side panel, a dialog), that part says what
// failed, in its own place, and offers a way out; the rest of the desk keeps working. Chat data is
// hostile input and the database may come from another omv: a render error must never blank the desk.
import { useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { ErrorBoundary } from 'react-error-boundary';
import { errorMessage } from '../../../shared/errorMessage';
import { Dialog } from './Dialog';
import { unavailable } from './keepFocus';

interface Props {
  /** What failed, as the moderator knows it ("The audit trail", "The rooms"). */
  what: string;
  children: ReactNode;
  /** Changed, they mean another try: the view shown. */
  resetKeys?: unknown[];
  /** Where to go instead: the view before. */
  onBack?: (() => void) | undefined;
  /** Keeps the failed part's place in the layout (its grid area). */
  className?: string;
}

/**
 * Reload: read the data again (it may be what broke) and draw the part once more. The failed part
 * is unmounted, so its own answers are inactive: dropped, to be read afresh when it draws. Answers it
 * shares with parts still drawn are read again before it draws, or it would draw the old ones.
 */
function useReload(reset: () => void) {
  const queries = useQueryClient();
  const [reloading, setReloading] = useState(false);
  const reload = async () => {
    setReloading(true);
    queries.removeQueries({ type: 'inactive' });
    await queries.invalidateQueries({ type: 'active' });
    setReloading(false);
    reset();
  };
  return {
    reload: () => {
      if (!reloading) void reload();
    },
    reloading,
  };
}

function PartFailed({
  what,
  error,
  reset,
  onBack,
  className,
}: Omit<Props, 'children' | 'resetKeys'> & { error: unknown; reset: () => void }) {
  const { reload, reloading } = useReload(reset);
  return (
    <div className={`notice notice-error part-failed${className ? ` ${className}` : ''}`} role="alert" data-testid="part-failed">
      <span className="part-failed-message">
        {what} could not be shown: {errorMessage(error)}
      </span>
      {onBack && (
        <button type="button" onClick={onBack} data-testid="part-failed-back">
          ‹ Back
        </button>
      )}
      <button type="button" onClick={reload} {...unavailable(reloading, reloading)} data-testid="part-failed-reload">
        {reloading ? 'Reloading…' : 'Reload'}
      </button>
    </div>
  );
}

/** A view or panel that shows what failed in its place, with Back (when given) and Reload. */
export function PartBoundary({ what, children, resetKeys, onBack, className }: Props) {
  return (
    <ErrorBoundary
      resetKeys={resetKeys}
      fallbackRender={({ error, resetErrorBoundary }) => (
        <PartFailed what={what} error={error} reset={resetErrorBoundary} onBack={onBack} className={className} />
      )}
    >
      {children}
    </ErrorBoundary>
  );
}

function DialogFailed({ what, error, reset, onClose }: { what: string; error: unknown; reset: () => void; onClose: () => void }) {
  const { reload, reloading } = useReload(reset);
  return (
    <Dialog title={`${what} could not be shown`} onClose={onClose} testId="part-failed-dialog">
      <p className="notice notice-error" role="alert">
        {errorMessage(error)}
      </p>
      <div className="dialog-actions">
        <button type="button" onClick={reload} {...unavailable(reloading, reloading)}>
          {reloading ? 'Reloading…' : 'Try again'}
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

/** A dialog that, failing, is a dialog saying what failed, closed as any other (Esc, ✕, Close). */
export function DialogBoundary({ what, onClose, children }: { what: string; onClose: () => void; children: ReactNode }) {
  return (
    <ErrorBoundary
      fallbackRender={({ error, resetErrorBoundary }) => (
        <DialogFailed what={what} error={error} reset={resetErrorBoundary} onClose={onClose} />
      )}
    >
      {children}
    </ErrorBoundary>
  );
}

/** The last resort, around the whole desk: what failed, and a reload of the page. */
export function DeskBoundary({ children }: { children: ReactNode }) {
  return (
    <ErrorBoundary
      fallbackRender={({ error }) => (
        <div className="notice notice-error part-failed" role="alert" data-testid="desk-failed">
          <span className="part-failed-message">The desk could not be shown: {errorMessage(error)}</span>
          <button type="button" onClick={() => window.location.reload()}>
            Reload the desk
          </button>
        </div>
      )}
    >
      {children}
    </ErrorBoundary>
  );
}
