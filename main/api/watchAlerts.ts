// Watchlist alerts: whenever entries arrive (a callback, an import) the new ones are matched
// against the watchlist, and the UI hears of any match: a badge, a count, a notification.
import { errorMessage } from '../../shared/errorMessage.js';
import type { Db } from '../store/db.js';
import { matchNewEntries, unseenMatchCount } from '../store/watchlist.js';
import type { EventHub } from './events.js';

export function watchNewEntries(db: Db, events: EventHub, log: (line: string) => void = () => {}): () => void {
  let scheduled: NodeJS.Immediate | null = null;
  const check = () => {
    scheduled = null;
    try {
      const { found, terms } = matchNewEntries(db);
      if (found > 0) events.emit({ type: 'watchAlert', found, terms, unseen: unseenMatchCount(db) });
    } catch (error) {
      log(`omv: watchlist matching failed: ${errorMessage(error)}`);
    }
  };
  check(); // entries stored while omv was not running (omv import) are new to the watchlist too
  const stop = events.subscribe((event) => {
    if (event.type === 'entriesAdded') scheduled ??= setImmediate(check);
  });
  return () => {
    stop();
    if (scheduled) clearImmediate(scheduled);
  };
}
