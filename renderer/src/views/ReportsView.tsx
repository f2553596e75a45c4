// The abuse report queue: counts by status, the reports of one status (or all), newest first, each
// with who holds it; and, for whoever manages the desk, how reports are claimed here.
import { useState } from 'react';
import { CLAIMS_MODES, isClaimsMode, REPORT_STATUSES, type AbuseReportSummary, type ReportStatus } from '../../../shared/review';
import { ErrorNotice } from '../components/ErrorNotice';
import { useAction } from '../data/useAction';
import { useApi } from '../data/useApi';
import { useDesk } from '../data/desk';
import { formatTime, type Zone } from '../time';

function ClaimsSetting() {
  const desk = useDesk();
  const action = useAction();
  const session = desk.session;
  if (!session?.permissions.includes('manageUsers')) return null;
  return (
    <div className="claims-setting">
      <label>
        Claims{' '}
        <select
          value={session.claims}
          onChange={(e) => isClaimsMode(e.target.value) && void action.run('setClaimsMode', { mode: e.target.value })}
          disabled={action.pending}
          data-testid="claims-mode"
        >
          {CLAIMS_MODES.map((mode) => (
            <option key={mode} value={mode}>
              {mode}
            </option>
          ))}
        </select>
      </label>
      {action.error && <ErrorNotice message={action.error} onDismiss={action.clearError} />}
    </div>
  );
}

function Holder({ report, me }: { report: AbuseReportSummary; me: string | null }) {
  if (!report.claim) return null;
  const who = report.claim.by === me ? 'you' : report.claim.by;
  return (
    <span className={`claim-chip${report.claim.by === me ? ' mine' : ''}`} data-testid="report-holder">
      {report.claim.assignedBy ? 'assigned to' : 'claimed by'} {who}
    </span>
  );
}

export function ReportsView({ zone, onOpen }: { zone: Zone; onOpen: (id: number) => void }) {
  const desk = useDesk();
  const me = desk.session?.moderator ?? null;
  const [status, setStatus] = useState<ReportStatus | 'all'>('open');
  const counts = useApi('reportCounts', {});
  const reports = useApi('reports', status === 'all' ? {} : { status }, { keepPrevious: true });
  const total = counts.data ? Object.values(counts.data).reduce((a, b) => a + b, 0) : 0;
  return (
    <div className="review-view" data-testid="reports-view">
      <ClaimsSetting />
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
                <span className="report-reason">
                  {r.reason ?? 'no reason given'} <Holder report={r} me={me} />
                </span>
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
