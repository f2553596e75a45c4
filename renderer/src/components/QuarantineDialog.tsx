// Payloads that were kept but could not be read: why, the raw bytes as text, and a retry.
import { useEffect, useState } from 'react';
import type { QuarantinedDelivery } from '../../../shared/api';
import { api } from '../transport';
import { formatTime, type Zone } from '../time';

interface Props {
  zone: Zone;
  onClose: () => void;
  onChanged: () => void;
}

export function QuarantineDialog({ zone, onClose, onChanged }: Props) {
  const [rows, setRows] = useState<QuarantinedDelivery[] | null>(null);
  const [open, setOpen] = useState<{ id: number; payload: string } | null>(null);
  const [message, setMessage] = useState('');
  const load = () => api.quarantine({}).then(setRows, (error: Error) => setMessage(error.message));
  useEffect(() => {
    void load();
  }, []);

  const retry = async (id?: number) => {
    const results = await api.retryQuarantined(id === undefined ? {} : { id });
    const stored = results.filter((r) => r.status === 'stored').length;
    setMessage(`${results.length} retried: ${stored} stored, ${results.length - stored} still quarantined`);
    setOpen(null);
    await load();
    onChanged();
  };

  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div className="dialog" role="dialog" aria-label="quarantine" onClick={(e) => e.stopPropagation()} data-testid="quarantine-dialog">
        <header className="dialog-head">
          <h2>Quarantine</h2>
          <button type="button" onClick={() => void retry()} disabled={!rows?.length}>
            Retry all
          </button>
          <button type="button" className="ghost" onClick={onClose} aria-label="close">
            ✕
          </button>
        </header>
        {message && <p className="notice">{message}</p>}
        {rows?.length === 0 && <p className="muted">Nothing in quarantine: every payload was read.</p>}
        <ul className="quarantine-list">
          {rows?.map((row) => (
            <li key={row.id}>
              <button
                type="button"
                className="quarantine-row"
                onClick={() => api.quarantinePayload({ id: row.id }).then((payload) => setOpen({ id: row.id, payload }))}
              >
                <span className="muted">#{row.id}</span> {formatTime(row.receivedAt, zone)} ·{' '}
                {row.source === 'import' ? row.filePath : `${row.function ?? '?'} ${row.domainId}`} · {row.size.toLocaleString()} bytes
                <span className="quarantine-reason">{row.reason}</span>
              </button>
              {open?.id === row.id && (
                <div className="quarantine-payload">
                  <pre>{open.payload}</pre>
                  <button type="button" onClick={() => void retry(row.id)}>
                    Retry this one
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
