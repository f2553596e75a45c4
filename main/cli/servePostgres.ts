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

export async function standbyLine(engine: PgEngine): Promise<string> {
  const settings = await engine.writes.settings(['server_version', 'synchronous_standby_names', 'synchronous_commit']);
  const standbys = settings['synchronous_standby_names'] ?? '';
  return standbys.trim()
    ? `omv: PostgreSQL ${settings['server_version']}; a 200 goes out once the synchronous standby (${forTerminal(standbys)}) has the delivery too\n`
    : `omv: PostgreSQL ${settings['server_version']}; no synchronous standby is configured (synchronous_standby_names): a 200 means the delivery is on this server's disk\n`;
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
    const port = new PortState();
    const app = await serveCore(await pgCore(engine, port.status, { log: options.log }), engine.writes, options, port);
    process.stdout.write(
      (await standbyLine(engine)) +
        announceReceiver(app.receiver!) +
        announceViewer(app.viewerUrl, options.viewer, options.host ?? '127.0.0.1'),
    );
    await untilStopped();
    await app.close();
  } finally {
    await engine.close();
  }
  return 0;
}
