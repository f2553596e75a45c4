// Servers over one store (two team servers on one PostgreSQL database behind a load balancer, say):
// what a desk on one hears as it happens, the desks on the others hear too. Each server tells the
// others, over the store's channel (PostgreSQL's LISTEN/NOTIFY: store/pg/notifyChannel.ts), the
// events its desks hear (one moderator's, such as the progress of their export, for that
// moderator's desks alone), every presence beat its desks send and every export a moderator
// cancels, all it tells in one turn of its event loop as one message; it passes what the others
// tell it on to its own desks, counts their beats into its own presence (so each server knows
// everyone who has a report open) and stops the cancelled exports it runs. What each server does
// about an event stays its own (new entries are matched against the watchlist where they
// arrived). Only what omv servers of this store say is taken, once, and only in the shapes below
// (the channel seals it). What is said while the channel is down (a lost connection, a failover)
// is lost: once it is back, the desks here and the other servers' desks are told to read
// everything again ('connected'); a lost beat is said again within 15 s, a lost cancel is not (the
// export goes on until cancelled again).
import type { ApiEvent } from '../../shared/api.js';
import type { EventHub } from './events.js';
import type { Presence } from './presence.js';

/** How servers over one store talk: a message said by one is heard by every other, not by itself. */
export interface ServerChannel {
  /**
   * Tells the other servers; false, saying nothing, when it is too long to carry. Said while the
   * channel is down, it is lost (`onResumed` follows).
   */
  say(message: string): boolean;
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

/** Desks read everything again at most this often, however often they are told to (a flapping channel). */
const READ_AGAIN_MS = 10_000;

export function shareWithNeighbours(channel: ServerChannel, here: Here): Neighbours {
  const readAgain = atMostEvery(READ_AGAIN_MS, () => here.events.emitRelayed(READ_AGAIN));
  // What is told in one turn of the event loop (a group commit's deliveries, say) goes as one message.
  const told: News[] = [];
  const sayAll = (all: News[]): void => {
    if (channel.say(JSON.stringify(all))) return;
    // Too long to carry: in halves, and one alone (a watch alert naming hundreds of terms) as "read everything again".
    if (all.length === 1) channel.say(JSON.stringify([{ readAgain: true }] satisfies News[]));
    else [all.slice(0, Math.ceil(all.length / 2)), all.slice(Math.ceil(all.length / 2))].forEach(sayAll);
  };
  const tell = (news: News) => {
    if (told.push(news) === 1) setImmediate(() => sayAll(told.splice(0)));
  };
  here.events.subscribe((event, audience, relayed) => {
    if (!relayed && !NOT_TOLD.has(event.type)) tell(audience === undefined ? { event } : { event, audience });
  });
  channel.listen(
    (message) => {
      for (const news of readMessage(message)) {
        if ('event' in news) here.events.emitRelayed(news.event, news.audience);
        else if ('beat' in news) here.presence.heard(news.beat.report, news.beat.name, news.beat.desk, news.beat.open);
        else if ('cancelExports' in news) here.cancelExports(news.cancelExports);
        else readAgain();
      }
    },
    () => {
      // Both sides may have missed what the other said while the channel was down.
      readAgain();
      tell({ readAgain: true });
    },
  );
  return { beat: (beat) => tell({ beat }), cancelExports: (name) => tell({ cancelExports: name }) };
}

/** `run` now, or (run less than `ms` ago) once `ms` after it last ran: never more often. */
function atMostEvery(ms: number, run: () => void): () => void {
  let last = -Infinity;
  let waiting: NodeJS.Timeout | null = null;
  const go = () => {
    waiting = null;
    last = Date.now();
    run();
  };
  return () => {
    if (waiting) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) go();
    else (waiting = setTimeout(go, wait)).unref();
  };
}

/** The events a server tells: every kind but those in NOT_TOLD. */
const TOLD: ReadonlySet<string> = new Set<ApiEvent['type']>([
  'entriesAdded',
  'deliveryReceived',
  'importProgress',
  'exportProgress',
  'watchAlert',
  'tagProgress',
  'reviewChanged',
  'reportChanged',
  'notesChanged',
] satisfies Array<Exclude<ApiEvent['type'], 'connected' | 'presence'>>);

/** A moderator's name (1 to 80 characters) or a desk's (1 to 64: presence refuses longer). */
const isName = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 80;

/** The news in a message of another omv server of this store (the channel lets through only what they said). */
function readMessage(message: string): News[] {
  let all: unknown;
  try {
    all = JSON.parse(message);
  } catch {
    return [];
  }
  return Array.isArray(all) ? all.map(readNews).filter((news) => news !== null) : [];
}

/** One piece of news as an omv server says it; anything else, such as what a newer omv says that this one does not know, is null. */
function readNews(news: unknown): News | null {
  if (typeof news !== 'object' || news === null) return null;
  if ('event' in news) {
    const { event } = news;
    const audience = 'audience' in news ? news.audience : undefined;
    if (typeof event !== 'object' || event === null || !('type' in event) || typeof event.type !== 'string' || !TOLD.has(event.type))
      return null;
    return audience === undefined || isName(audience) ? (news as News) : null;
  }
  if ('beat' in news && typeof news.beat === 'object' && news.beat !== null) {
    const { report, name, desk, open } = news.beat as Partial<Beat>;
    return Number.isSafeInteger(report) && isName(name) && isName(desk) && typeof open === 'boolean' ? (news as News) : null;
  }
  if ('cancelExports' in news) return isName(news.cancelExports) ? (news as News) : null;
  if ('readAgain' in news && news.readAgain === true) return news as News;
  return null;
}
