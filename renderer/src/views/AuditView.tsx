// The audit trail: whether its hash chain verifies, and every recorded action, newest first.
import { ErrorNotice } from '../components/ErrorNotice';
import { useApi } from '../data/useApi';
import { formatTime, type Zone } from '../time';

export function AuditView({ zone }: { zone: Zone }) {
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
                  <code>{JSON.stringify(row.details)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
