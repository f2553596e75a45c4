// The desk's own places above the rooms: the report queue (open count), the watchlist (alerts),
// the audit trail, the connection lists the vendor sent, and the saved searches with what is new
// in each.
import { useAction } from '../data/useAction';
import { useApi } from '../data/useApi';
import { useDesk } from '../data/desk';
import type { View } from '../data/useNavigation';
import { formatCount } from '../numbers';

interface Props {
  current: View['kind'];
  onOpen: (view: View) => void;
  onSearch: (query: string) => void;
}

export function DeskNav({ current, onOpen, onSearch }: Props) {
  const status = useApi('receiverStatus', {});
  const saved = useApi('savedSearches', {});
  const action = useAction();
  const desk = useDesk();
  const place = (kind: 'reports' | 'watchlist' | 'audit' | 'snapshots', label: string, count?: number, warn = false) => (
    <li>
      <button
        type="button"
        className={`room desk-place${current === kind || (kind === 'reports' && current === 'report') || (kind === 'snapshots' && current === 'snapshot') ? ' active' : ''}`}
        onClick={() => onOpen({ kind })}
        data-testid={`nav-${kind}`}
      >
        <span className="room-name">{label}</span>
        {count !== undefined && count > 0 && <span className={`room-count${warn ? ' count-alert' : ''}`}>{formatCount(count)}</span>}
      </button>
    </li>
  );
  const open = async (id: number) => {
    const result = await action.run('openSavedSearch', { id });
    if (result) onSearch(result.query);
  };
  return (
    <nav className="desk-nav" aria-label="desk">
      <ul>
        {place('reports', 'Abuse reports', status.data?.openReports, true)}
        {place('watchlist', 'Watchlist', status.data?.alerts, true)}
        {place('audit', 'Audit trail')}
        {place('snapshots', 'Connection lists')}
      </ul>
      {saved.data && saved.data.length > 0 && (
        <>
          <h2 className="nav-heading">Saved searches</h2>
          <ul data-testid="saved-searches">
            {saved.data.map((s) => (
              <li key={s.id} className="saved-search">
                <button
                  type="button"
                  className="room"
                  onClick={() => void open(s.id)}
                  title={desk.showQuery(s.query)}
                  data-saved={desk.showQuery(s.name)}
                >
                  <span className="room-name">{desk.showQuery(s.name)}</span>
                  {s.newMatches > 0 && (
                    <span className="room-count count-alert" title="new matches since you last opened it">
                      +{formatCount(s.newMatches)}
                      {s.newMatches >= 1000 ? '+' : ''}
                    </span>
                  )}
                </button>
                <button
                  type="button"
                  className="ghost saved-delete"
                  onClick={() => void action.run('deleteSavedSearch', { id: s.id })}
                  aria-label={`delete ${desk.showQuery(s.name)}`}
                >
                  ✕
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </nav>
  );
}
