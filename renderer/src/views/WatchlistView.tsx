// The watchlist: its terms (words, "phrases", prefix*) with their match counts, adding and removing
// them, a file of one term a line in and out, "check existing entries", and the matches, newest
// first. Opening it marks the alerts seen.
import { useEffect, useState } from 'react';
import type { EntryRecord } from '../../../shared/entryRecord';
import { errorMessage } from '../../../shared/errorMessage';
import { readWatchTerm } from '../../../shared/watchTerm';
import { EntryList } from '../components/EntryList';
import { ErrorNotice } from '../components/ErrorNotice';
import { unavailable, whenUsable } from '../components/keepFocus';
import { useDesk } from '../data/desk';
import { useAction } from '../data/useAction';
import { useApi } from '../data/useApi';
import type { Zone } from '../time';
import { downloadText } from '../download';
import { api } from '../transport';
import { formatCount } from '../numbers';

interface Props {
  zone: Zone;
  /** A user's activity: the user of that ID in `domain` (an entry's, a report's), when known. */
  onUser: (userId: string, domain?: string) => void;
  onOpen: (entry: EntryRecord) => void;
}

export function WatchlistView({ zone, onUser, onOpen }: Props) {
  // Changing the list is a lead's (the "watchlist" permission): a moderator reads it and its matches.
  const mayChange = useDesk().may('watchlist');
  const terms = useApi('watchTerms', {});
  const action = useAction();
  const [adding, setAdding] = useState('');
  const [message, setMessage] = useState('');
  const [matches, setMatches] = useState<Array<{ term: string; entry: EntryRecord }> | null>(null);
  const { run } = action;

  // Opening the view is looking at the alerts: they are marked seen.
  useEffect(() => {
    void run('watchMatches', { markSeen: true }).then((value) => value && setMatches(value));
  }, [run, terms.data]);

  const add = async (text: string) => {
    const result = await run('addWatchTerms', { text });
    if (!result) return;
    setAdding('');
    setMessage(
      result.added.length
        ? `Added ${result.added.join(', ')}. New entries that match will raise an alert.`
        : 'Those terms are on the list already.',
    );
    if ('Notification' in window && Notification.permission === 'default') void Notification.requestPermission();
  };
  // Emptied by its own success: Add stays focused, unavailable.
  const noAdd = adding.trim() === '' || action.pending;
  const importFile = async (file: File | undefined) => {
    if (file) await add(await file.text());
  };
  const exportFile = async () => {
    try {
      downloadText('omv-watchlist.txt', await api.watchlistText({}));
    } catch (error) {
      setMessage(`The watchlist could not be saved: ${errorMessage(error)}`);
    }
  };

  return (
    <div className="review-view" data-testid="watchlist-view">
      <div className="watch-head">
        <section className="watch-terms" aria-label="terms">
          {(terms.error ?? action.error) && <ErrorNotice message={(terms.error ?? action.error)!} onDismiss={action.clearError} />}
          {message && (
            <p className="notice" role="status">
              {message}
            </p>
          )}
          {terms.data?.length === 0 && <p className="muted">No terms yet: none are shipped. Add words, "phrases" or prefix* below.</p>}
          <ul className="term-list">
            {terms.data?.map((t) => {
              // A term an older omv stored without this check: listed with why it is not marked, to be removed.
              const reading = readWatchTerm(t.term);
              return (
                <li key={t.id} className="term">
                  <code>{t.term}</code>
                  <span className="muted">
                    {formatCount(t.matches)} {t.matches === 1 ? 'match' : 'matches'}
                  </span>
                  {!reading.ok && (
                    <span className="term-refused" data-testid="term-refused">
                      not marked in the text: {reading.reason}
                    </span>
                  )}
                  {mayChange && (
                    <button
                      type="button"
                      className="ghost"
                      onClick={() => void run('removeWatchTerm', { id: t.id })}
                      aria-label={`remove ${t.term}`}
                    >
                      ✕
                    </button>
                  )}
                </li>
              );
            })}
          </ul>
          {!mayChange && (
            <p className="muted" data-testid="watch-read-only">
              A lead or an admin changes the watchlist; its matches are everyone&apos;s.
            </p>
          )}
          {mayChange && (
            <label className="field">
              <span>Add terms, one a line</span>
              <textarea value={adding} onChange={(e) => setAdding(e.target.value)} rows={2} data-testid="watch-add-text" />
            </label>
          )}
          <div className="dialog-actions">
            {mayChange && (
              <button type="button" {...whenUsable(noAdd, action.pending, () => add(adding))} data-testid="watch-add">
                Add
              </button>
            )}
            {mayChange && (
              <label className="button-like">
                Import a list…
                <input type="file" accept=".txt,text/plain" hidden onChange={(e) => void importFile(e.target.files?.[0])} />
              </label>
            )}
            <button type="button" className="ghost" onClick={() => void exportFile()} disabled={!terms.data?.length}>
              Export the list
            </button>
            {mayChange && (
              <button
                type="button"
                className="ghost"
                onClick={() => {
                  if (!action.pending)
                    void run('checkWatchExisting', {}).then(
                      (r) => r && setMessage(`Checked existing entries: ${formatCount(r.found)} new matches.`),
                    );
                }}
                disabled={!terms.data?.length}
                {...unavailable(action.pending, action.pending)}
                data-testid="watch-check-existing"
              >
                Check existing entries
              </button>
            )}
          </div>
        </section>
      </div>
      <h2 className="section-title">Matches</h2>
      <div className="results">
        {matches?.length === 0 && <p className="timeline-empty">No matches yet.</p>}
        {matches && matches.length > 0 && (
          <EntryList
            entries={matches.map((m) => m.entry)}
            label="watchlist matches"
            zone={zone}
            onUser={onUser}
            onOpen={onOpen}
            testId="watch-matches"
          />
        )}
      </div>
    </div>
  );
}
