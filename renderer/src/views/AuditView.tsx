// The audit trail, readable: whether its hash chain verifies, and every recorded action, newest
// first — what was done, by which moderator, to what, when (in the zone the desk shows), and the
// rest of its details as named fields (times as times, lists as lists), not raw JSON. With
// pseudonyms on, every user ID in them is shown as its pseudonym.
import { useMemo, useState } from 'react';
import { AUDIT_ACTIONS, type AuditRecord, type NamedTarget } from '../../../shared/review';
import { ErrorNotice } from '../components/ErrorNotice';
import { useApi } from '../data/useApi';
import { useDesk, useMentions } from '../data/desk';
import { formatTime, type Zone } from '../time';
import { formatCount } from '../numbers';
import { Name } from '../components/Name';
import { forScreen } from '../../../shared/visibleText';

/** Details that are moments, in epoch ms: shown as times. */
const TIME_KEYS = new Set(['at', 'upTo', 'previous', 'undone', 'restored', 'from', 'to', 'since']);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
/** Lists longer than this are cut, saying how many more. */
const LIST_SHOWN = 12;

/** A detail's name as words: newEntries → new entries. */
const label = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

/** The users and rooms a tag or note went on, as the desk names them, from the names kept beside their ids (rows before those: the ids). */
function targetsText(d: Record<string, unknown>, ids: unknown[]): string {
  const target = String(d['target'] ?? '');
  const names = Array.isArray(d['names']) ? (d['names'] as NamedTarget[]) : null;
  const shown = (names ?? ids).slice(0, 3).map((item) => {
    if (typeof item !== 'object' || item === null) return String(item);
    const { name, domain } = item as NamedTarget;
    return `${target === 'room' ? `#${name}` : name} · ${domain || 'no domain'}`;
  });
  const plural = ids.length === 1 ? target : target === 'entry' ? 'entries' : `${target}s`;
  return `${plural} ${shown.join(', ')}${ids.length > 3 ? '…' : ''}`;
}

/** What an action was done to, in a few words, and which detail keys that used up. */
function targetOf(row: AuditRecord): { text: string; used: string[] } {
  const d = row.details;
  const s = (key: string) => (d[key] === undefined || d[key] === null ? '' : String(d[key]));
  switch (row.action) {
    case 'report status':
      return { text: `report #${s('report')}`, used: ['report'] };
    case 'tagged':
    case 'untagged':
      return {
        text: `“${s('tag')}” on ${d['batch'] !== undefined ? `every hit (tagging ${s('batch')})` : targetsText(d, Array.isArray(d['ids']) ? d['ids'] : [])}`,
        used: ['tag', 'target', 'batch', 'names'],
      };
    case 'note':
    case 'note edited':
      return { text: targetsText(d, [d['id']]), used: ['target', 'id', 'names'] };
    case 'reviewed':
    case 'review undone':
      return { text: `#${s('room')}${d['domain'] === undefined ? '' : ` · ${s('domain') || 'no domain'}`}`, used: ['room', 'domain'] };
    case 'tag created':
    case 'hold set':
    case 'hold lifted':
      return { text: `tag “${s('tag')}”`, used: ['tag'] };
    case 'import':
      return { text: s('file'), used: ['file'] };
    case 'export started':
      return { text: s('to'), used: ['to'] };
    case 'export':
      return { text: s('file'), used: ['file'] };
    case 'search saved':
    case 'search opened':
    case 'search deleted':
      return { text: s('name') || s('query'), used: ['name'] };
    case 'moderator named':
      return { text: s('to'), used: ['to'] };
    case 'purge':
      return { text: `entries before ${s('before')}`, used: [] };
    default:
      return { text: '', used: [] };
  }
}

function Value({ name, value, zone, show }: { name: string; value: unknown; zone: Zone; show: (text: string) => string }) {
  if (value === null || value === undefined || value === '') return <span className="muted">—</span>;
  if (typeof value === 'number') {
    return <>{TIME_KEYS.has(name) && value > 1e11 ? formatTime(value, zone) : formatCount(value)}</>;
  }
  if (typeof value === 'boolean') return <>{value ? 'yes' : 'no'}</>;
  if (typeof value === 'string') return <>{ISO.test(value) ? formatTime(Date.parse(value), zone) : show(value)}</>;
  if (Array.isArray(value)) {
    const shown = value.slice(0, LIST_SHOWN).map((v) => (typeof v === 'string' ? show(v) : String(v)));
    return (
      <>
        {shown.join(', ')}
        {value.length > LIST_SHOWN && <span className="muted"> and {formatCount(value.length - LIST_SHOWN)} more</span>}
      </>
    );
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return <span className="muted">none</span>;
    return (
      <>
        {entries.map(([k, v], i) => (
          <span key={k}>
            {i > 0 && ', '}
            {k} <Value name={k} value={v} zone={zone} show={show} />
          </span>
        ))}
      </>
    );
  }
  return <>{String(value)}</>;
}

/** Every string in the details (to ask which are user IDs). */
function stringsOf(value: unknown, into: string[]): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, into);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) stringsOf(v, into);
  return into;
}

export function AuditView({ zone }: { zone: Zone }) {
  const desk = useDesk();
  const audit = useApi('audit', { limit: 1000 });
  const [action, setAction] = useState<string>('');
  const rows = useMemo(
    () => [...(audit.data?.rows ?? [])].reverse().filter((row) => action === '' || row.action === action),
    [audit.data, action],
  );
  const texts = useMemo(() => [...new Set(rows.flatMap((row) => stringsOf(row.details, [])))], [rows]);
  const mentions = useMentions(texts);
  if (audit.error) return <ErrorNotice message={audit.error} />;
  if (!audit.data) return <div className="timeline-empty">Loading…</div>;
  const { verdict } = audit.data;
  // Free text: a bidi override in it (a room's name, a note) is shown as its escape.
  const show = (text: string) => forScreen(desk.showText(text, mentions), 'content');
  return (
    <div className="review-view" data-testid="audit-view">
      <p className={`notice${verdict.intact ? ' notice-ok' : ' notice-error'}`} role="status" data-testid="audit-verdict">
        {verdict.intact
          ? `Audit chain intact: ${formatCount(verdict.rows)} ${verdict.rows === 1 ? 'row' : 'rows'}, each sealed with the hash of the one before.`
          : `Audit chain broken at row ${verdict.badRow}: ${verdict.why}.`}
      </p>
      <label className="field-inline audit-filter">
        Action{' '}
        <select value={action} onChange={(e) => setAction(e.target.value)} data-testid="audit-action-filter">
          <option value="">every action</option>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <div className="results">
        <table className="audit-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">time</th>
              <th scope="col">moderator</th>
              <th scope="col">action</th>
              <th scope="col">target</th>
              <th scope="col">details</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const target = targetOf(row);
              const rest = Object.entries(row.details).filter(([key]) => !target.used.includes(key));
              return (
                <tr key={row.id} data-audit-action={row.action}>
                  <td>{row.id}</td>
                  <td className="audit-time">
                    <time dateTime={new Date(row.at).toISOString()}>{formatTime(row.at, zone)}</time>
                  </td>
                  <td>
                    <Name text={row.moderator} />
                  </td>
                  <td className="audit-action">{row.action}</td>
                  <td className="audit-target">{show(target.text)}</td>
                  <td>
                    {rest.length > 0 && (
                      <dl className="audit-details">
                        {rest.map(([key, value]) => (
                          <div key={key}>
                            <dt>{label(key)}</dt>
                            <dd>
                              <Value name={key} value={value} zone={zone} show={show} />
                            </dd>
                          </div>
                        ))}
                      </dl>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}
