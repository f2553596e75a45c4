// Payloads that were kept but could not be read: why, the raw bytes as text, and a retry.
import { useState } from 'react';
import { errorMessage } from '../../../shared/errorMessage';
import { useApi } from '../data/useApi';
import { entriesChanged } from '../data/liveUpdates';
import { formatTime, type Zone } from '../time';
import { api } from '../transport';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';
import { DialogBoundary } from './PartBoundary';
import { formatCount } from '../numbers';
import { useDesk } from '../data/desk';

interface Props {
  zone: Zone;
  onClose: () => void;
}

function QuarantineDialogBody({ zone, onClose }: Props) {
  const desk = useDesk();
  const quarantine = useApi('quarantine', {});
  const [openId, setOpenId] = useState<number | null>(null);
  const payload = useApi('quarantinePayload', { id: openId ?? 0 }, { enabled: openId !== null });
  const [message, setMessage] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const rows = quarantine.data;

  const retry = async (id?: number) => {
    setFailure(null);
    try {
      const results = await api.retryQuarantined(id === undefined ? {} : { id });
      const stored = results.filter((r) => r.status === 'stored').length;
      setMessage(`${results.length} retried: ${stored} stored, ${results.length - stored} still quarantined`);
      setOpenId(null);
    } catch (error) {
      setFailure(`The retry failed: ${errorMessage(error)}`);
    }
    entriesChanged();
  };

  return (
    <Dialog
      title="Quarantine"
      onClose={onClose}
      testId="quarantine-dialog"
      actions={
        // A retry imports: offered to a role that may import.
        desk.may('import') && (
          <button type="button" onClick={() => void retry()} disabled={!rows?.length}>
            Retry all
          </button>
        )
      }
    >
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      {(failure ?? quarantine.error) && <ErrorNotice message={failure ?? `The quarantine could not be listed: ${quarantine.error}`} />}
      {rows?.length === 0 && <p className="muted">Nothing in quarantine: every payload was read.</p>}
      <ul className="quarantine-list">
        {rows?.map((row) => (
          <li key={row.id}>
            <button
              type="button"
              className="quarantine-row"
              aria-expanded={openId === row.id}
              onClick={() => setOpenId(openId === row.id ? null : row.id)}
            >
              <span className="muted">#{row.id}</span> {formatTime(row.receivedAt, zone)} ·{' '}
              {row.source === 'import' ? row.filePath : `${row.function ?? '?'} ${row.domainId}`} · {formatCount(row.size)} bytes
              <span className="quarantine-reason">{row.reason}</span>
            </button>
            {openId === row.id && (
              <div className="quarantine-payload">
                {payload.error && <ErrorNotice message={`The payload could not be read: ${payload.error}`} />}
                {payload.data !== undefined && <pre>{payload.data}</pre>}
                {desk.may('import') && (
                  <button type="button" onClick={() => void retry(row.id)}>
                    Retry this one
                  </button>
                )}
              </div>
            )}
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

/** The quarantine, or, failing, a dialog saying what failed. */
export function QuarantineDialog(props: Props) {
  return (
    <DialogBoundary what="The quarantine" onClose={props.onClose}>
      <QuarantineDialogBody {...props} />
    </DialogBoundary>
  );
}
