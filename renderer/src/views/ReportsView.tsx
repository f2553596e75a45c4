// The abuse report queue: counts by status, the reports of one status (or all), newest first.
import { useState } from 'react';
import { REPORT_STATUSES, type ReportStatus } from '../../../shared/review';
import { ErrorNotice } from '../components/ErrorNotice';
import { useApi } from '../data/useApi';
import { useDesk } from '../data/desk';
import { formatTime, type Zone } from '../time';

export function ReportsView({ zone, onOpen }: { zone: Zone; onOpen: (id: number) => void }) {
  const desk = useDesk();
  const [status, setStatus] = useState<ReportStatus | 'all'>('open');
  const counts = useApi('reportCounts', {});
  const reports = useApi('reports', status === 'all' ? {} : { status }, { keepPrevious: true });
  const total = counts.data ? Object.values(counts.data).reduce((a, b) => a + b, 0) : 0;
  return (
    <div className="review-view" data-testid="reports-view">
      <div className="status-tabs" role="tablist" aria-label="report status">
        {[...REPORT_STATUSES, 'all' as const].map((s) => (
          <button
            key={s}
            type="button"
            role="tab"
            aria-selected={status === s}
            className={`status-tab${status === s ? ' active' : ''}`}
            onClick={() => setStatus(s)}
            data-testid={`reports-tab-${s.replace(' ', '-')}`}
          >
            {s} <span className="tab-count">{(s === 'all' ? total : (counts.data?.[s] ?? 0)).toLocaleString()}</span>
          </button>
        ))}
      </div>
      {(reports.error ?? counts.error) && <ErrorNotice message={(reports.error ?? counts.error)!} />}
      {reports.data?.length === 0 && <p className="timeline-empty">No {status === 'all' ? '' : `${status} `}reports.</p>}
      <div role="tabpanel" className="report-panel" aria-label={`${status} reports`}>
        <ul className="report-list">
          {reports.data?.map((r) => (
            <li key={r.id}>
              <button type="button" className="report-row" onClick={() => onOpen(r.id)} data-report-id={r.id}>
                <span className={`status-badge status-${r.status.replace(' ', '-')}`}>{r.status}</span>
                <span className="report-who">
                  <strong>{r.accused ? desk.showUser(r.accused) : 'unknown user'}</strong>
                  <span className="muted"> reported by {r.reporter ? desk.showUser(r.reporter) : 'unknown'}</span>
                </span>
                <span className="report-reason">{r.reason ?? 'no reason given'}</span>
                <span className="muted report-meta">
                  #{r.id} · {formatTime(r.receivedAt, zone)}
                  {r.room && ` · #${r.room}`} · {r.entries} {r.entries === 1 ? 'message' : 'messages'}
                </span>
                {r.description && <span className="report-description">{r.description}</span>}
              </button>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
