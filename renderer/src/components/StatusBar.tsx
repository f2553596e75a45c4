// The receiver at a glance: where callbacks go, when the last arrived, today's count, and the
// quarantine (click to see it).
import { useEffect, useState } from 'react';
import { useApi } from '../data/useApi';
import { useDesk } from '../data/desk';
import { formatTime, relative, type Zone } from '../time';
import { formatCount } from '../numbers';
import { Name } from './Name';

interface Props {
  zone: Zone;
  onQuarantine: () => void;
  /** Watchlist alerts: open the matches. */
  onAlerts: () => void;
}

/** On a team server: who is signed in here, and signing out (POST /logout with the page's token). */
function SignedIn() {
  const session = useDesk().session;
  if (!session?.team) return null;
  const signOut = async () => {
    const token = document.querySelector<HTMLMetaElement>('meta[name="omv-csrf"]')?.content ?? '';
    await fetch('/logout', { method: 'POST', headers: { 'x-omv-csrf': token } }).catch(() => undefined);
    location.assign('/login');
  };
  return (
    <span className="status-item status-account" data-testid="signed-in">
      signed in as{' '}
      <strong>
        <Name text={session.moderator ?? ''} />
      </strong>{' '}
      ({session.role}){' '}
      <button type="button" className="status-button" onClick={() => void signOut()} data-testid="sign-out">
        Sign out
      </button>
    </span>
  );
}

export function StatusBar({ zone, onQuarantine, onAlerts }: Props) {
  const { data: status, error } = useApi('receiverStatus', {});
  // "last delivery 3 min ago" stays true as time passes.
  const [, setNow] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  if (error)
    return (
      <footer className="status" data-testid="status-bar">
        <span className="status-item status-problem" role="alert">
          <span className="status-dot status-dot-off" aria-hidden /> status unavailable: {error}
        </span>
      </footer>
    );
  if (!status) return <footer className="status" />;
  return (
    <footer className="status" data-testid="status-bar">
      {status.problem ? (
        <span className="status-item status-problem" role="alert" data-testid="receiver-problem">
          <span className="status-dot status-dot-off" aria-hidden /> not receiving: {status.problem}
        </span>
      ) : (
        <span className="status-item" title="give this URL to the chat vendor">
          <span className="status-dot" aria-hidden /> receiving at <code>{status.callbackUrl ?? 'not listening'}</code>
        </span>
      )}
      <span className="status-item" title={status.lastDeliveryAt ? formatTime(status.lastDeliveryAt, zone) : ''}>
        last delivery {relative(status.lastDeliveryAt)}
      </span>
      <span className="status-item" data-testid="deliveries-today">
        {formatCount(status.deliveriesToday)} today
      </span>
      <span className="status-item">{formatCount(status.entries)} entries</span>
      <button
        type="button"
        className={`status-item status-button${status.alerts ? ' warn' : ''}`}
        onClick={onAlerts}
        data-testid="alerts-button"
        title="watchlist matches nobody has looked at"
      >
        {formatCount(status.alerts)} {status.alerts === 1 ? 'alert' : 'alerts'}
      </button>
      <button
        type="button"
        className={`status-item status-button${status.quarantined ? ' warn' : ''}`}
        onClick={onQuarantine}
        data-testid="quarantine-button"
      >
        {formatCount(status.quarantined)} quarantined
      </button>
      <SignedIn />
    </footer>
  );
}
