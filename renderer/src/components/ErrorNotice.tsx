// A call that failed, said where its answer would have been.
export function ErrorNotice({ message, onDismiss }: { message: string; onDismiss?: () => void }) {
  return (
    <div className="notice notice-error" role="alert" data-testid="error-notice">
      {message}
      {onDismiss && (
        <button type="button" className="ghost" onClick={onDismiss} aria-label="dismiss">
          ✕
        </button>
      )}
    </div>
  );
}
