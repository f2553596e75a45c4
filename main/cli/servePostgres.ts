// omv serve --store postgres://…: the receiver over a PostgreSQL store, and the viewer on the same
// port, whose desk reads the store (api/pgReadCalls.ts) and makes the desk's changes in it
// (api/pgDeskWriter.ts), matching new entries against the watchlist. What the operator is told at
// the start: the server and whether a commit (and so a 200) waits for a synchronous standby.
import { errorMessage } from '../../shared/errorMessage.js';
import { forTerminal } from '../../shared/visibleText.js';
import { EventHub } from '../api/events.js';
import { pgDeskWriter } from '../api/pgDeskWriter.js';
import { pgReadRunner } from '../api/pgReadCalls.js';
import { createService } from '../api/service.js';
import { watchNewEntriesIn } from '../api/watchAlerts.js';
import { PortState, serveCore, type Core, type ServeOptions } from '../app.js';
import { openPgEngine, type PgEngine } from '../store/pg/engine.js';
import { openNotifyChannel } from '../store/pg/notifyChannel.js';
import { pgWatchRecords } from '../store/pg/review/watchlist.js';
import { announceReceiver, announceViewer } from './receiving.js';
import { untilStopped } from './serving.js';

/** The URL without its password (given before the host, or as ?password=), to be shown. */
export function shownStoreUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return 'postgres://(a URL that does not parse)';
  }
}

/**
 * What a 200 means on this server. With a synchronous standby configured, whether one is there
 * now: with none (it is away, or the server is a promoted copy that was told to wait for one)
 * every commit waits, and so does every delivery. A role that may not read pg_stat_replication's
 * sync_state (neither a superuser nor pg_read_all_stats) sees it empty: it is not told either way.
 */
export async function standbyLine(engine: PgEngine): Promise<string> {
  const settings = await engine.writes.settings(['server_version', 'synchronous_standby_names', 'synchronous_commit']);
  const standbys = settings['synchronous_standby_names'] ?? '';
  const server = `omv: PostgreSQL ${settings['server_version']}`;
  if (!standbys.trim())
    return `${server}; no synchronous standby is configured (synchronous_standby_names): a 200 means the delivery is on this server's disk\n`;
  const connected = (await engine.reader.pool.query<{ state: string | null }>('SELECT sync_state AS state FROM pg_stat_replication')).rows;
  const synchronous = connected.some(({ state }) => state === 'sync' || state === 'quorum');
  const unseen = connected.some(({ state }) => state === null);
  const promise = `a 200 goes out once the synchronous standby (${forTerminal(standbys)}) has the delivery too`;
  if (synchronous || unseen) return `${server}; ${promise}\n`;
  return connected.length === 0
    ? `${server}; ${promise}, but none is connected now: deliveries wait until one is\n`
    : `${server}; ${promise}, but no standby connected now is a synchronous one: deliveries wait until one is\n`;
}

/**
 * The desk over a PostgreSQL store: its reads and the review workflow's changes answered there
 * (pgReadCalls.ts, pgDeskWriter.ts), and new entries matched against the watchlist as they arrive
 * (api/watchAlerts.ts, as one machine's desk does), until it stops. Other servers on the same
 * database hear what its desks hear, and it theirs (api/neighbours.ts). `team`: a team server's,
 * whose moderators' names are their accounts'.
 */
export async function pgCore(
  engine: PgEngine,
  receiver: () => { callbackUrl: string | null; problem: string | null },
  { team = false, log }: { team?: boolean; log?: (line: string) => void } = {},
): Promise<Core> {
  const events = new EventHub();
  const reads = pgReadRunner(engine);
  const writer = await pgDeskWriter(engine, { reads, events, team });
  const neighbours = await openNotifyChannel(engine.url, log);
  const service = createService({
    reads,
    writer,
    events,
    team,
    receiver: { callbackUrl: () => receiver().callbackUrl, problem: () => receiver().problem },
    neighbours,
  });
  const stopWatching = watchNewEntriesIn(pgWatchRecords(engine), reads, events, log);
  return {
    events,
    service,
    async stop() {
      await stopWatching();
      await neighbours.close();
    },
  };
}

export async function servePostgres(url: string, options: ServeOptions, queryTimeoutMs: number): Promise<number> {
  process.stderr.write(`omv: store ${shownStoreUrl(url)}\n`);
  let engine: PgEngine;
  try {
    engine = await openPgEngine(url, { readTimeoutMs: queryTimeoutMs });
  } catch (error) {
    throw new Error(`PostgreSQL at ${shownStoreUrl(url)} could not be opened: ${errorMessage(error)}`);
  }
  try {
    // Said before the desk is made: on a database omv has not served yet that writes (its settings),
    // and with no synchronous standby to confirm the commit the start waits there; this says why.
    process.stdout.write(await standbyLine(engine));
    const port = new PortState();
    const app = await serveCore(await pgCore(engine, port.status, { log: options.log }), engine.writes, options, port);
    process.stdout.write(announceReceiver(app.receiver!) + announceViewer(app.viewerUrl, options.viewer, options.host ?? '127.0.0.1'));
    await untilStopped();
    await app.close();
  } finally {
    await engine.close();
  }
  return 0;
}
