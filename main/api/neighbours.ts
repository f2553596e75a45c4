// Servers over one store (two team servers on one PostgreSQL database behind a load balancer, say):
// what a desk on one hears as it happens, the desks on the others hear too. Each server tells the
// others, over the store's channel (PostgreSQL's LISTEN/NOTIFY: store/pg/notifyChannel.ts), the
// events its desks hear (one moderator's, such as the progress of their export, for that
// moderator's desks alone), every presence beat its desks send and every export a moderator
// cancels; it passes what the others tell it on to its own desks, counts their beats into its own
// presence (so each server knows everyone who has a report open) and stops the cancelled exports it
// runs. What each server does about an event stays its own (new entries are matched against the
// watchlist where they arrived). What is said while the channel is down (a lost connection, a
// failover) is lost: once it is back, the desks here and the other servers' desks are told to read
// everything again ('connected').
import type { ApiEvent } from '../../shared/api.js';
import type { EventHub } from './events.js';
import type { Presence } from './presence.js';

/** How servers over one store talk: a message said by one is heard by every other, not by itself. */
export interface ServerChannel {
  /** The longest message `say` carries, in UTF-8 bytes. */
  readonly maxMessageBytes: number;
  /** Tells the other servers (said while the channel is down, it is lost: `onResumed` follows). */
  say(message: string): void;
  /** What the others say; `onResumed` once the channel is back after it was down. */
  listen(onMessage: (message: string) => void, onResumed: () => void): void;
}

/** A moderator's desk has a report open (or closed it): as Presence.beat takes it. */
interface Beat {
  report: number;
  name: string;
  desk: string;
  open: boolean;
}

type News = { event: ApiEvent; audience?: string } | { beat: Beat } | { cancelExports: string } | { readAgain: true };

/** Not told: a stream's own 'connected', and presence, which each server works out from the beats. */
const NOT_TOLD: ReadonlySet<ApiEvent['type']> = new Set(['connected', 'presence']);

const READ_AGAIN: ApiEvent = { type: 'connected' };

export interface Neighbours {
  /** A desk here beat: the others count it too. */
  beat(beat: Beat): void;
  /** `name` cancelled their exports: the others stop those they run. */
  cancelExports(name: string): void;
}

interface Here {
  events: EventHub;
  presence: Presence;
  /** Stops the exports `name` runs on this server. */
  cancelExports(name: string): void;
}

export function shareWithNeighbours(channel: ServerChannel, here: Here): Neighbours {
  const tell = (news: News) => {
    const message = JSON.stringify(news);
    // Too long to carry (a watch alert naming hundreds of terms): the others read everything again instead.
    channel.say(Buffer.byteLength(message) <= channel.maxMessageBytes ? message : JSON.stringify({ readAgain: true } satisfies News));
  };
  here.events.subscribe((event, audience, relayed) => {
    if (!relayed && !NOT_TOLD.has(event.type)) tell(audience === undefined ? { event } : { event, audience });
  });
  channel.listen(
    (message) => {
      const news = readNews(message);
      if (news === null) return;
      if ('event' in news) here.events.emitRelayed(news.event, news.audience);
      else if ('beat' in news) here.presence.heard(news.beat.report, news.beat.name, news.beat.desk, news.beat.open);
      else if ('cancelExports' in news) here.cancelExports(news.cancelExports);
      else here.events.emitRelayed(READ_AGAIN);
    },
    () => {
      // Both sides may have missed what the other said while the channel was down.
      here.events.emitRelayed(READ_AGAIN);
      tell({ readAgain: true });
    },
  );
  return { beat: (beat) => tell({ beat }), cancelExports: (name) => tell({ cancelExports: name }) };
}

/** News as another omv says it; anything else on the channel (another program's, a newer omv's) is null. */
function readNews(message: string): News | null {
  let news: unknown;
  try {
    news = JSON.parse(message);
  } catch {
    return null;
  }
  if (typeof news !== 'object' || news === null) return null;
  if ('event' in news && typeof news.event === 'object' && news.event !== null && 'type' in news.event) {
    return !('audience' in news) || typeof news.audience === 'string' ? (news as News) : null;
  }
  if ('beat' in news && typeof news.beat === 'object' && news.beat !== null) return news as News;
  if ('cancelExports' in news && typeof news.cancelExports === 'string') return news as News;
  if ('readAgain' in news && news.readAgain === true) return news as News;
  return null;
}
