// Who is working on a report, and the claim's moves: Claim, Release, Take over (a lead), Assign
// to… (a lead), as the desk's claims setting and the moderator's permissions allow; and who else
// has the report open right now (presence).
import { useEffect, useId, useRef, useState } from 'react';
import type { ReportDetail, ReportViewer } from '../../../shared/review';
import { useAction } from '../data/useAction';
import { useApi } from '../data/useApi';
import { useDesk } from '../data/desk';
import { useNow } from '../data/usePresence';
import { relative } from '../time';
import { ConflictNotice } from './ConflictNotice';
import { ErrorNotice } from './ErrorNotice';
import { forScreen } from '../../../shared/visibleText';
import { unavailable, useFocusHandoff } from './keepFocus';

const decided = (report: ReportDetail) => report.status === 'actioned' || report.status === 'dismissed';

function AssignForm({ report, onDone }: { report: ReportDetail; onDone: () => void }) {
  const action = useAction();
  const names = useApi('moderators', {});
  const [to, setTo] = useState('');
  const listId = useId();
  const field = useRef<HTMLInputElement>(null);
  // Opened by "Assign to…", which it replaces: the name field takes the focus.
  useEffect(() => {
    field.current?.focus();
  }, []);
  const assign = async () => {
    if ((await action.run('assignReport', { id: report.id, to, version: report.version })) !== undefined) onDone();
  };
  return (
    <form
      className="claim-assign"
      onSubmit={(event) => {
        event.preventDefault();
        if (!action.pending) void assign();
      }}
    >
      <label className="field inline-field">
        <span>Assign to</span>
        <input
          ref={field}
          value={to}
          onChange={(e) => setTo(e.target.value)}
          list={listId}
          autoComplete="off"
          data-testid="claim-assign-name"
        />
      </label>
      <datalist id={listId}>
        {names.data?.map((name) => (
          <option key={name} value={name} />
        ))}
      </datalist>
      <button type="submit" disabled={to.trim() === ''} {...unavailable(action.pending, action.pending)} data-testid="claim-assign-save">
        Assign
      </button>
      <button type="button" className="ghost" onClick={onDone}>
        Cancel
      </button>
      {action.conflict ? (
        <ConflictNotice conflict={action.conflict} message={action.error ?? ''} />
      ) : (
        action.error && <ErrorNotice message={action.error} onDismiss={action.clearError} />
      )}
    </form>
  );
}

export function ClaimPanel({ report, viewers }: { report: ReportDetail; viewers: ReportViewer[] }) {
  const desk = useDesk();
  const action = useAction();
  const now = useNow();
  const [assigning, setAssigning] = useState(false);
  // Claim becomes Release (and Release Claim, Take over Release; the assign form closes): focus goes to the bar's first button.
  const panel = useRef<HTMLElement>(null);
  const handoff = useFocusHandoff(panel);
  const move = (method: 'claimReport' | 'releaseReport', args: { takeOver?: true } = {}) => {
    if (action.pending) return;
    handoff();
    void action.run(method, { id: report.id, version: report.version, ...args });
  };
  const session = desk.session;
  if (!session) return null;
  const me = session.moderator;
  const may = (permission: string) => session.permissions.includes(permission as never);
  const others = viewers.filter((v) => v.name !== me);
  const claim = report.claim;
  const mine = claim !== null && claim.by === me;
  const ago = (at: number) => relative(at, Math.max(now, at));
  const holder = claim && (mine ? 'you' : forScreen(claim.by));
  return (
    <section className="claim-panel" aria-label="claim" ref={panel}>
      {session.claims !== 'off' && (
        <div className="claim-bar">
          <span className={`claim-state${claim ? ' claimed' : ''}`} data-testid="claim-state">
            {claim === null
              ? decided(report)
                ? 'Decided: nobody holds it'
                : `Not claimed${session.claims === 'required' ? ' (claims are required to decide)' : ''}`
              : claim.assignedBy
                ? `Assigned to ${holder} by ${claim.assignedBy === me ? 'you' : forScreen(claim.assignedBy)} ${ago(claim.at)}`
                : `Claimed by ${holder} ${ago(claim.at)}`}
          </span>
          {!decided(report) && claim === null && may('decide') && (
            <button type="button" onClick={() => move('claimReport')} {...unavailable(action.pending, action.pending)} data-testid="claim">
              Claim
            </button>
          )}
          {claim !== null && !mine && may('assign') && (
            <button
              type="button"
              onClick={() => move('claimReport', { takeOver: true })}
              {...unavailable(action.pending, action.pending)}
              data-testid="claim-take-over"
            >
              Take over
            </button>
          )}
          {claim !== null && (mine || may('assign')) && (
            <button
              type="button"
              className="ghost"
              onClick={() => move('releaseReport')}
              {...unavailable(action.pending, action.pending)}
              data-testid="claim-release"
            >
              Release
            </button>
          )}
          {!decided(report) && may('assign') && !assigning && (
            <button type="button" className="ghost" onClick={() => setAssigning(true)} data-testid="claim-assign">
              Assign to…
            </button>
          )}
        </div>
      )}
      {assigning && (
        <AssignForm
          report={report}
          onDone={() => {
            handoff();
            setAssigning(false);
          }}
        />
      )}
      {action.conflict ? (
        <ConflictNotice conflict={action.conflict} message={action.error ?? ''} />
      ) : (
        action.error && <ErrorNotice message={action.error} onDismiss={action.clearError} />
      )}
      <p className="presence" role="status" data-testid="report-presence">
        {others.length > 0 && `Also open by ${others.map((v) => `${forScreen(v.name)} (opened ${ago(v.since)})`).join(', ')}`}
      </p>
    </section>
  );
}
