// One abuse report: who reported whom and why, the reported messages, one click into the room
// around them, the accused user's activity or the reporter's, who holds it and who else has it open, and its
// status with the moves the workflow allows (a reason is required to decide or reopen), with its
// history. A decision names the version of the report shown: when someone else changed it first,
// the conflict is shown (who, what, when), the reason typed is kept, and the report shown is the
// current one, to decide again on. After a move the focus goes to the report's new status, never
// to the page's body.
import { useRef, useState } from 'react';
import type { EntryRecord } from '../../../shared/entryRecord';
import { NEXT_STATUSES, needsReason, whyMayNotMove, type ReportStatus } from '../../../shared/review';
import { ClaimPanel } from '../components/ClaimPanel';
import { ConflictNotice } from '../components/ConflictNotice';
import { EntryList } from '../components/EntryList';
import { ErrorNotice } from '../components/ErrorNotice';
import { unavailable } from '../components/keepFocus';
import { useAction } from '../data/useAction';
import { useApi } from '../data/useApi';
import { useDesk, useMentions } from '../data/desk';
import { usePresence } from '../data/usePresence';
import { formatTime, type Zone } from '../time';
import { Name, Visible } from '../components/Name';

const VERB: Record<ReportStatus, string> = { open: 'Reopen', 'in review': 'Start review', actioned: 'Actioned', dismissed: 'Dismiss' };

interface Props {
  id: number;
  zone: Zone;
  onContext: (entry: EntryRecord) => void;
  /** A user's activity: the user of that ID in `domain` (an entry's, a report's), when known. */
  onUser: (userId: string, domain?: string) => void;
}

export function ReportView({ id, zone, onContext, onUser }: Props) {
  const desk = useDesk();
  const { data: report, error } = useApi('report', { id });
  const action = useAction();
  const viewers = usePresence(id);
  const [reason, setReason] = useState('');
  const reasonField = useRef<HTMLTextAreaElement>(null);
  const statusBadge = useRef<HTMLSpanElement>(null);
  const mentions = useMentions(report?.description ? [report.description] : []);
  if (error) return <ErrorNotice message={error} />;
  if (!report) return <div className="timeline-empty">Loading…</div>;
  const move = async (to: ReportStatus) => {
    // Only a change that went through clears the reason: a refused one (a conflict too) keeps what was typed.
    if ((await action.run('setReportStatus', { id, status: to, reason, version: report.version })) === undefined) return;
    setReason('');
    // The button pressed may be gone (a decided report offers other moves): focus says where it stands now.
    requestAnimationFrame(() => statusBadge.current?.focus());
  };
  const session = desk.session;
  // What the store would refuse (403), said before the moderator types a reason for nothing.
  const blocked = session
    ? whyMayNotMove(report, { name: session.moderator, mayAssign: session.permissions.includes('assign') }, session.claims)
    : null;
  const decideAgain = () => {
    action.clearError();
    reasonField.current?.focus();
  };
  const first = report.messages[0];
  return (
    <div className="review-view report-view" data-testid="report-view">
      <header className="report-head">
        <span
          className={`status-badge status-${report.status.replace(' ', '-')}`}
          data-testid="report-status"
          ref={statusBadge}
          tabIndex={-1}
          role="status"
          aria-label={`report status: ${report.status}`}
        >
          {report.status}
        </span>
        <dl className="report-fields">
          <dt>accused</dt>
          <dd>{report.accused ? <Name text={desk.showUser(report.accused)} /> : '—'}</dd>
          <dt>reported by</dt>
          <dd>{report.reporter ? <Name text={desk.showUser(report.reporter)} /> : '—'}</dd>
          <dt>reason</dt>
          <dd>{report.reason ?? '—'}</dd>
          <dt>domain</dt>
          <dd data-testid="report-domain">
            <Name text={report.domainId || 'none'} />
          </dd>
          <dt>received</dt>
          <dd>{formatTime(report.receivedAt, zone)}</dd>
          {report.ipAddress && (
            <>
              <dt>IP address</dt>
              <dd>{report.ipAddress}</dd>
            </>
          )}
          {report.recordingName && (
            <>
              <dt>recording</dt>
              <dd
                className="report-recording"
                title={report.recordingUrl ? `${report.recordingName} (${report.recordingUrl})` : report.recordingName}
              >
                {report.recordingUrl ? `${report.recordingName} (${report.recordingUrl})` : report.recordingName}
              </dd>
            </>
          )}
        </dl>
        {report.description && (
          <blockquote className="report-description" dir="auto">
            <Visible text={desk.showText(report.description, mentions)} kind="content" />
          </blockquote>
        )}
        <div className="report-links">
          {first && (
            <button type="button" onClick={() => onContext(first)} data-testid="report-context">
              #<Name text={desk.showRoom(first.room)} /> around the reported messages ›
            </button>
          )}
          {report.accused && (
            <button type="button" onClick={() => onUser(report.accused!, report.domainId)} data-testid="report-accused">
              All activity of <Name text={desk.showUser(report.accused)} /> ›
            </button>
          )}
          {report.reporter && (
            <button type="button" onClick={() => onUser(report.reporter!, report.domainId)} data-testid="report-reporter">
              The reporter's activity (<Name text={desk.showUser(report.reporter)} />) ›
            </button>
          )}
        </div>
        <ClaimPanel report={report} viewers={viewers} />
      </header>
      <section className="report-decide" aria-label="decision">
        {action.conflict ? (
          <ConflictNotice conflict={action.conflict} message={action.error ?? ''} kept="Your reason is kept." onAgain={decideAgain} />
        ) : (
          action.error && <ErrorNotice message={action.error} onDismiss={action.clearError} />
        )}
        <label className="field">
          <span>
            Reason {NEXT_STATUSES[report.status].some((to) => needsReason(report.status, to)) ? '(required to decide or reopen)' : ''}
          </span>
          <textarea ref={reasonField} value={reason} onChange={(e) => setReason(e.target.value)} rows={2} data-testid="report-reason" />
        </label>
        {blocked && (
          <p className="muted" data-testid="report-blocked">
            {blocked}
          </p>
        )}
        <div className="dialog-actions">
          {NEXT_STATUSES[report.status].map((to) => (
            <button
              key={to}
              type="button"
              onClick={() => {
                if (!action.pending) void move(to);
              }}
              disabled={blocked !== null || (needsReason(report.status, to) && reason.trim() === '')}
              {...unavailable(action.pending, action.pending)}
              data-testid={`report-to-${to.replace(' ', '-')}`}
            >
              {VERB[to]}
            </button>
          ))}
        </div>
        {report.history.length > 0 && (
          <ol className="report-history" aria-label="history">
            {report.history.map((h, i) => (
              <li key={i}>
                <span className="muted">{formatTime(h.at, zone)}</span> {h.moderator}: {h.from} → {h.to}
                {h.reason && <> — “{h.reason}”</>}
              </li>
            ))}
          </ol>
        )}
      </section>
      <h2 className="section-title">Reported messages</h2>
      <div className="results">
        <EntryList
          entries={report.messages}
          label="reported messages"
          zone={zone}
          onUser={onUser}
          onOpen={onContext}
          testId="report-messages"
        />
      </div>
    </div>
  );
}
