// Composes the running app: the receiver on its port, the API service over the database, the
// event hub the UI listens to, and (in browser mode) the viewer on the same port.
import { randomBytes } from 'node:crypto';
import { EventHub } from './api/events.js';
import { DEFAULT_QUERY_TIMEOUT_MS, QueryPool } from './api/queryPool.js';
import type { StartQueryHost } from './api/queryProtocol.js';
import { readsOnThisThread } from './api/readCalls.js';
import { createService, type OmvService } from './api/service.js';
import { sqliteWriter } from './api/sqliteWriter.js';
import { watchNewEntries } from './api/watchAlerts.js';
import { GroupCommit } from './intake/receiver/groupCommit.js';
import { startReceiver, type Receiver, type ReceiverOptions } from './intake/receiver/server.js';
import type { Db } from './store/db.js';
import type { StoreOutcome } from './store/deliveries.js';
import { RENDERER_DIR } from './viewer/rendererFiles.js';
import { viewerAddress } from './viewer/address.js';
import { createViewerHandler } from './viewer/http.js';

export interface App {
  /** Null when the port was taken and `portInUse` said to carry on (the desktop app). */
  receiver: Receiver | null;
  service: OmvService;
  events: EventHub;
  /** The browser-mode URL, with the per-launch key; null when the viewer is off or no browser here can reach it (a LAN --host). */
  viewerUrl: string | null;
  /** Stops accepting callbacks, finishes those already received, then stops the readers. */
  close(): Promise<void>;
}

/** Tells the desks what a committed callback brought. */
export function announce(events: EventHub, outcome: StoreOutcome): void {
  events.emit({ type: 'deliveryReceived', status: outcome.status, at: Date.now() });
  if (outcome.status === 'stored' && outcome.counts.newEntries > 0) {
    events.emit({ type: 'entriesAdded', count: outcome.counts.newEntries, rooms: outcome.rooms });
  }
}

export interface AppOptions extends Omit<ReceiverOptions, 'onStored' | 'otherRoutes' | 'deliveries'> {
  db: Db;
  viewer: boolean;
  staticDir?: string;
  /** How long one of the UI's read calls may run before it is stopped (ms). */
  queryTimeoutMs?: number;
  /** How query hosts are started (the desktop app: Electron's utility processes). */
  startQueryHost?: StartQueryHost;
  /**
   * When the receiver's port is taken: 'fail' (omv serve: the operator sees the error at once) or
   * 'carry on' without a receiver, the problem shown in the status bar with how to fix it (the
   * desktop app: the moderator can still read what is stored).
   */
  portInUse?: 'fail' | { carryOn: (port: number) => string };
}

/** What every running omv shares, one machine's or a team's: the events, the service, its reads and the watchlist. */
export interface Core {
  events: EventHub;
  service: OmvService;
  stop(): Promise<void>;
}

export function startCore(options: {
  db: Db;
  queryTimeoutMs?: number;
  startQueryHost?: StartQueryHost;
  log?: (line: string) => void;
  team?: boolean;
  receiver: () => { callbackUrl: string | null; problem: string | null };
}): Core {
  const events = new EventHub();
  // The UI's reads run in query hosts with their own connections (an in-memory database has
  // no file to share, so its reads stay here).
  const queries = options.db.memory
    ? null
    : new QueryPool({
        path: options.db.name,
        timeoutMs: options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
        start: options.startQueryHost,
      });
  // The desk's first calls find the query hosts started.
  queries?.warm();
  const reads = queries?.run ?? readsOnThisThread(options.db);
  const service = createService({
    reads,
    writer: sqliteWriter({ db: options.db, reads, events, team: options.team }),
    events,
    team: options.team,
    receiver: { callbackUrl: () => options.receiver().callbackUrl, problem: () => options.receiver().problem },
  });
  const stopWatching = watchNewEntries(options.db, reads, events, options.log);
  return {
    events,
    service,
    stop: async () => {
      stopWatching();
      await queries?.close();
    },
  };
}

export async function startApp(options: AppOptions): Promise<App> {
  const port = new PortState();
  const core = startCore({ ...options, receiver: port.status });
  return serveCore(core, new GroupCommit(options.db), options, port);
}

/** The receiver once it listens, or why it does not (its port was taken): what receiverStatus tells the desks. */
export class PortState {
  receiver: Receiver | null = null;
  problem: string | null = null;
  readonly status = () => ({ callbackUrl: this.receiver?.callbackUrl ?? null, problem: this.problem });
}

/** What serving a core needs beside it: where deliveries are stored, and how the viewer and the port are chosen. */
export type ServeOptions = Omit<AppOptions, 'db' | 'queryTimeoutMs' | 'startQueryHost'>;

/**
 * Serves a core (one machine's SQLite, or a PostgreSQL store): the receiver on its port storing
 * into `deliveries`, telling the desks what each delivery brought, and the viewer on the same port.
 */
export async function serveCore(
  core: Core,
  deliveries: ReceiverOptions['deliveries'],
  options: ServeOptions,
  port: PortState,
): Promise<App> {
  let receiver: Receiver | null = null;
  const { events, service } = core;
  const secret = randomBytes(24).toString('base64url');
  const address = () => (receiver ? viewerAddress(options.host ?? '127.0.0.1', receiver.port) : null);
  const viewer = options.viewer
    ? createViewerHandler({
        service,
        events,
        staticDir: options.staticDir ?? RENDERER_DIR,
        secret,
        hosts: () => address()?.hosts ?? [],
      })
    : undefined;
  try {
    receiver = await startReceiver({
      ...options,
      deliveries,
      onStored: (outcome) => announce(events, outcome),
      otherRoutes: viewer,
    });
    port.receiver = receiver;
  } catch (error) {
    const portInUse = options.portInUse ?? 'fail';
    if ((error as { code?: string }).code !== 'EADDRINUSE' || portInUse === 'fail') {
      await core.stop();
      throw error;
    }
    port.problem = portInUse.carryOn(options.port ?? 0);
  }
  const origin = viewer ? address()?.origin : undefined;
  const viewerUrl = origin ? `${origin}/?key=${secret}` : null;
  return {
    receiver,
    service,
    events,
    viewerUrl,
    close: async () => {
      await receiver?.close();
      await core.stop();
    },
  };
}
