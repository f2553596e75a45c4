// The audit trail: whether its hash chain verifies, and every recorded action, newest first.
import { ErrorNotice } from '../components/ErrorNotice';
import { useApi } from '../data/useApi';
import { useDesk, type Desk } from '../data/desk';
import { formatTime, type Zone } from '../time';

/**
 * A row's details as the desk shows them: with pseudonyms on, a filter's user (an export's, a
 * "tag all hits"'s) and every from:USER in text (a query, a saved search's name) name the pseudonym.
 */
function shownDetails(value: unknown, desk: Desk, key?: string): unknown {
  if (!desk.pseudonymise) return value;
  if (typeof value === 'string') return key === 'user' ? desk.showUser(value) : desk.showQuery(value);
  if (Array.isArray(value)) return value.map((item) => shownDetails(item, desk));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shownDetails(v, desk, k)]));
  return value;
}

export function AuditView({ zone }: { zone: Zone }) {
  const desk = useDesk();
  const audit = useApi('audit', { limit: 1000 });
  if (audit.error) return <ErrorNotice message={audit.error} />;
  if (!audit.data) return <div className="timeline-empty">Loading…</div>;
  const { verdict, rows } = audit.data;
  return (
    <div className="review-view" data-testid="audit-view">
      <p className={`notice${verdict.intact ? ' notice-ok' : ' notice-error'}`} role="status" data-testid="audit-verdict">
        {verdict.intact
          ? `Audit chain intact: ${verdict.rows.toLocaleString()} ${verdict.rows === 1 ? 'row' : 'rows'}, each sealed with the hash of the one before.`
          : `Audit chain broken at row ${verdict.badRow}: ${verdict.why}.`}
      </p>
      <div className="results">
        <table className="audit-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">time</th>
              <th scope="col">moderator</th>
              <th scope="col">action</th>
              <th scope="col">details</th>
            </tr>
          </thead>
          <tbody>
            {[...rows].reverse().map((row) => (
              <tr key={row.id}>
                <td>{row.id}</td>
                <td>{formatTime(row.at, zone)}</td>
                <td>{row.moderator}</td>
                <td>{row.action}</td>
                <td>
                  <code>{JSON.stringify(shownDetails(row.details, desk))}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
