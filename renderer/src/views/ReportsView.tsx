// The abuse report queue: counts by status, the reports of one status (or all), newest first, each
// with who holds it (and, for whoever manages the desk, how reports are claimed here), and
// a search of their descriptions, reasons and users. The status tabs and the list are each one tab
// stop: ← → change status, ↑↓ Home End move among the reports, Enter opens one.
import { useRef } from 'react';
import { CLAIMS_MODES, isClaimsMode, REPORT_STATUSES, type AbuseReportSummary, type ReportStatus } from '../../../shared/review';
import { ErrorNotice } from '../components/ErrorNotice';
import { unavailable } from '../components/keepFocus';
import { useAction } from '../data/useAction';
import { useApi } from '../data/useApi';
import { useDebounced } from '../data/useDebounced';
import { useRemembered } from '../data/useNavigation';
import { useDesk, useMentions } from '../data/desk';
import { formatTime, type Zone } from '../time';
import { formatCount } from '../numbers';
import { Name, Visible } from '../components/Name';

const TABS = [...REPORT_STATUSES, 'all' as const];

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
          onChange={(e) => !action.pending && isClaimsMode(e.target.value) && void action.run('setClaimsMode', { mode: e.target.value })}
          {...unavailable(action.pending, action.pending)}
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
      {report.claim.assignedBy ? 'assigned to' : 'claimed by'} <Name text={who} />
    </span>
  );
}

export function ReportsView({ zone, initialText, onOpen }: { zone: Zone; initialText?: string | undefined; onOpen: (id: number) => void }) {
  const desk = useDesk();
  const me = desk.session?.moderator ?? null;
  const [status, setStatus] = useRemembered<ReportStatus | 'all'>('reports:status', initialText ? 'all' : 'open');
  const [text, setText] = useRemembered('reports:text', initialText ?? '');
  const searched = useDebounced(text.trim(), 150);
  const counts = useApi('reportCounts', {});
  const reports = useApi(
    'reports',
    { ...(status === 'all' ? {} : { status }), ...(searched ? { text: searched } : {}) },
    { keepPrevious: true },
  );
  const total = counts.data ? Object.values(counts.data).reduce((a, b) => a + b, 0) : 0;
  const list = reports.data ?? [];
  const mentions = useMentions(list.map((r) => r.description ?? ''));
  const [stop, setStop] = useRemembered<number | null>('reports:stop', null);
  const at = list.findIndex((r) => r.id === stop);
  const tabStop = at >= 0 ? at : 0;
  const rows = useRef<Array<HTMLButtonElement | null>>([]);
  const tabs = useRef<Array<HTMLButtonElement | null>>([]);

  const onListKey = (event: React.KeyboardEvent) => {
    const to = { ArrowDown: tabStop + 1, ArrowUp: tabStop - 1, Home: 0, End: list.length - 1 }[event.key];
    if (to === undefined || list.length === 0) return;
    event.preventDefault();
    const next = Math.max(0, Math.min(list.length - 1, to));
    setStop(list[next]!.id);
    rows.current[next]?.focus();
  };
  const onTabKey = (event: React.KeyboardEvent) => {
    const now = TABS.indexOf(status);
    const to = { ArrowRight: now + 1, ArrowLeft: now - 1, Home: 0, End: TABS.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = (to + TABS.length) % TABS.length;
    setStatus(TABS[next]!);
    tabs.current[next]?.focus();
  };

  return (
    <div className="review-view" data-testid="reports-view">
      <ClaimsSetting />
      <div className="reports-tools">
        <div className="status-tabs" role="tablist" aria-label="report status">
          {TABS.map((s, i) => (
            <button
              key={s}
              type="button"
              role="tab"
              ref={(el) => {
                tabs.current[i] = el;
              }}
              tabIndex={status === s ? 0 : -1}
              aria-selected={status === s}
              aria-controls="report-panel"
              className={`status-tab${status === s ? ' active' : ''}`}
              onClick={() => setStatus(s)}
              onKeyDown={onTabKey}
              data-testid={`reports-tab-${s.replace(' ', '-')}`}
            >
              {s} <span className="tab-count">{formatCount(s === 'all' ? total : (counts.data?.[s] ?? 0))}</span>
            </button>
          ))}
        </div>
        <input
          type="search"
          className="reports-search"
          placeholder="Search descriptions, reasons, users"
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-label="search the reports' descriptions, reasons and users"
          data-testid="reports-search"
        />
      </div>
      {(reports.error ?? counts.error) && <ErrorNotice message={(reports.error ?? counts.error)!} />}
      {reports.data?.length === 0 && (
        <p className="timeline-empty">
          No {status === 'all' ? '' : `${status} `}reports{searched ? ` mention “${searched}”` : ''}.
        </p>
      )}
      <div role="tabpanel" id="report-panel" className="report-panel" aria-label={`${status} reports`}>
        <ul className="report-list" aria-label="reports: arrow keys move, Enter opens" data-view-focus={list.length > 0 || undefined}>
          {list.map((r, i) => (
            <li key={r.id}>
              <button
                type="button"
                className="report-row"
                ref={(el) => {
                  rows.current[i] = el;
                }}
                tabIndex={i === tabStop ? 0 : -1}
                onClick={() => onOpen(r.id)}
                onKeyDown={onListKey}
                onFocus={() => setStop(r.id)}
                data-report-id={r.id}
              >
                <span className={`status-badge status-${r.status.replace(' ', '-')}`}>{r.status}</span>
                <span className="report-who">
                  <strong>{r.accused ? <Name text={desk.showUser(r.accused)} /> : 'unknown user'}</strong>
                  <span className="muted"> reported by {r.reporter ? <Name text={desk.showUser(r.reporter)} /> : 'unknown'}</span>
                </span>
                <span className="report-reason">
                  {r.reason ?? 'no reason given'} <Holder report={r} me={me} />
                </span>
                <span className="muted report-meta">
                  #{r.id} · {formatTime(r.receivedAt, zone)}
                  {r.room && (
                    <>
                      {' '}
                      · #<Name text={desk.showRoom(r.room)} />
                    </>
                  )}{' '}
                  · {r.entries} {r.entries === 1 ? 'message' : 'messages'}
                </span>
                {r.description && (
                  <bdi className="report-description" dir="auto">
                    <Visible text={desk.showText(r.description, mentions)} kind="content" />
                  </bdi>
                )}
              </button>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
