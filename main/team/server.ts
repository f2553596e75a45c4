// The team server (`omv serve --team`): one receiver for the vendor, one desk for every moderator
// of the team, each moderator signed in with an account of their own.
//
// - The desk: the same renderer and contract as browser mode (viewer/deskApi.ts), behind sign-in
//   instead of a loopback key. Every /api/ call needs a session (401 without one), comes from our
//   own page (Origin, Sec-Fetch-Site: 403 otherwise), and, when it changes anything (POST), carries
//   the session's CSRF token in x-omv-csrf (403 otherwise); it is then made as the account.
// - The receiver: on a listener of its own (--callback-listen), or at /callback on the desk's.
//   Every callback carries its domain's secret (403 otherwise), and an address allow-list can
//   narrow who may call at all.
// - TLS built in (--tls-cert, --tls-key) or a reverse proxy in front (--trusted-proxy: its
//   X-Forwarded-For and -Proto are believed, nobody else's).
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { BlockList, isIP, type AddressInfo } from 'node:net';
import type { Actor } from '../../shared/access.js';
import { startCore, announce, type Core } from '../app.js';
import type { OmvService } from '../api/service.js';
import { apiErrorMessage } from '../api/apiError.js';
import type { EventHub } from '../api/events.js';
import { browserCrossSiteSignal } from '../net/access.js';
import type { CallbackSecrets } from '../net/callbackSecrets.js';
import { GroupCommit } from '../intake/receiver/groupCommit.js';
import type { DeliveryStore } from '../intake/receiver/deliveryStore.js';
import { startReceiver, type Receiver } from '../intake/receiver/server.js';
import type { Db } from '../store/db.js';
import { createDeskApi, SECURITY_HEADERS, send, sendJson } from '../viewer/deskApi.js';
import { RENDERER_DIR, rendererFile } from '../viewer/rendererFiles.js';

/** A signed-in session, as the team server sees it. */
export interface TeamSession {
  actor: Actor;
  /** What every state-changing request of this session carries in x-omv-csrf. */
  csrf: string;
  sessionId: string;
}

/** Accounts and sign-in (main/team/sessions.ts and its pages), as the server uses them. */
export interface TeamAuth {
  /** The session a request's cookie names (timeouts and disabled accounts checked), or null. */
  sessionOf(req: IncomingMessage): Promise<TeamSession | null>;
  /** The sign-in pages (/login, /logout, /enrol…): false when the request is not one of theirs. */
  handlePages(req: IncomingMessage, res: ServerResponse, url: URL, context: RequestContext): Promise<boolean>;
  /** Told when sessions end (signed out, account disabled or reset): their live events stop at once. */
  onSessionsEnded(listener: (sessionIds: readonly string[]) => void): void;
}

/** What the server knows of a request that the pages need: where it really came from, and whether over TLS. */
export interface RequestContext {
  clientAddress: string;
  /** HTTPS, here or at a trusted proxy: cookies get Secure. */
  secure: boolean;
}

export interface Listen {
  host: string;
  port: number;
}

/** Where the team's store is: a SQLite file (the writer's connection), or a PostgreSQL store's desk and writes (cli/servePostgres.ts pgCore). */
export type TeamStoreOptions =
  | { db: Db }
  | {
      db?: undefined;
      core: (receiver: () => { callbackUrl: string | null; problem: string | null }) => Promise<Core>;
      deliveries: DeliveryStore;
    };

export type TeamServerOptions = TeamStoreOptions & {
  auth: TeamAuth;
  /** Where the desk listens (and the receiver too, unless `callbackListen`). */
  listen: Listen;
  /** A listener of the receiver's own (the vendor's port); null: /callback on the desk's listener. */
  callbackListen?: Listen | null;
  tls?: { cert: Buffer; key: Buffer } | null;
  /** Addresses of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed. */
  trustedProxies?: readonly string[];
  /** Every domain's callbacks carry a secret: required. */
  callbackSecrets: CallbackSecrets;
  /** Addresses or CIDR blocks callbacks are taken from (none: any). */
  callbackAllow?: readonly string[];
  /** The address moderators open (https://omv.example.org): links are printed with it, and Origin is checked against it. */
  publicUrl?: string | null;
  maxBodyBytes?: number;
  queryTimeoutMs?: number;
  staticDir?: string;
  log?: (line: string) => void;
};

export interface TeamServer {
  deskUrl: string;
  callbackUrl: string;
  /** False when callbackUrl takes no callbacks (see Receiver). */
  everyDomainTaken: boolean;
  domainCallbackUrls: Receiver['domainCallbackUrls'];
  service: OmvService;
  events: EventHub;
  close(): Promise<void>;
}

/** A list of addresses and CIDR blocks (IPv4 and IPv6; IPv4-mapped IPv6 peers match their IPv4 form). */
export function addressList(entries: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address, bits] = entry.split('/');
    const family = isIP(address ?? '');
    if (family === 0 || (bits !== undefined && !/^\d{1,3}$/.test(bits))) throw new Error(`"${entry}" is not an address or a CIDR block`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, Number(bits), type);
  }
  return (address) => {
    if (!address) return false;
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    return list.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
  };
}

/** Where a request came from and how, believing forwarded headers from trusted proxies only. */
export function requestContext(req: IncomingMessage, trusted: (address: string | undefined) => boolean, tls: boolean): RequestContext {
  const peer = req.socket.remoteAddress ?? '';
  if (!trusted(peer)) return { clientAddress: peer, secure: tls };
  const forwarded = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const proto = String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]
    ?.trim();
  return { clientAddress: forwarded.at(-1) ?? peer, secure: tls || proto === 'https' };
}

const originOf = (url: string) => new URL(url).origin;

/** The header the desk's page sends its CSRF token in, and the meta tag it finds the token in. */
export const CSRF_HEADER = 'x-omv-csrf';
const CSRF_META = 'omv-csrf';

/** The renderer's index.html with the session's CSRF token, for the transport to send back (renderer/src/transport.ts). */
async function deskPage(staticDir: string, csrf: string): Promise<string> {
  const html = await readFile(rendererFile('/', staticDir)!, 'utf8');
  const token = csrf.replace(/[^A-Za-z0-9_-]/g, '');
  return html.replace(/<head>/i, `<head>\n    <meta name="${CSRF_META}" content="${token}" />`);
}

function listenOn(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  listen: Listen,
  tls: TeamServerOptions['tls'],
): Promise<Server> {
  const options = { requestTimeout: 30_000, headersTimeout: 10_000, connectionsCheckingInterval: 1000 };
  const server: Server = tls ? createHttpsServer({ ...options, cert: tls.cert, key: tls.key }, handler) : createServer(options, handler);
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve(server));
  });
}

export async function startTeamServer(options: TeamServerOptions): Promise<TeamServer> {
  const log = options.log ?? (() => {});
  const tls = options.tls ?? null;
  const trusted = addressList(options.trustedProxies ?? []);
  const allowed = options.callbackAllow?.length ? addressList(options.callbackAllow) : null;
  const staticDir = options.staticDir ?? RENDERER_DIR;
  let receiver: Receiver | null = null;
  const receiverStatus = () => ({ callbackUrl: receiver && shownCallbackUrl(receiver), problem: null });
  const core = options.db
    ? startCore({ db: options.db, queryTimeoutMs: options.queryTimeoutMs, log, team: true, receiver: receiverStatus })
    : await options.core(receiverStatus);
  const deliveries = options.db ? new GroupCommit(options.db) : options.deliveries;
  const desk = createDeskApi({ service: core.service, events: core.events, staticDir });
  options.auth.onSessionsEnded((ids) => ids.forEach((id) => desk.endStreams(id)));

  /** A request our own page made: a browser names the page's origin (it must be ours) and says whether it is same-origin. */
  const fromOurPage = (req: IncomingMessage, context: RequestContext): boolean => {
    if (browserCrossSiteSignal(req.headers) === null) return true;
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return false;
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    const ours = options.publicUrl ? originOf(options.publicUrl) : `${context.secure ? 'https' : 'http'}://${req.headers.host ?? ''}`;
    return origin === ours;
  };

  const handleDesk = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const context = requestContext(req, trusted, tls !== null);
    if (await options.auth.handlePages(req, res, url, context)) return;
    const isApi = url.pathname.startsWith('/api/');
    let session: Awaited<ReturnType<TeamAuth['sessionOf']>>;
    try {
      session = await options.auth.sessionOf(req);
    } catch (error) {
      // The store that holds the sessions failed (PostgreSQL away): a call is answered as the page
      // reads every failed call, its cause logged; a page, by the server's plain 500.
      if (!isApi) throw error;
      return sendJson(res, 500, { ok: false, error: apiErrorMessage(error, `${req.method} ${url.pathname}`, log) });
    }
    if (isApi) {
      if (!session) return sendJson(res, 401, { ok: false, error: 'sign in first: your session ended or never began' });
      if (!fromOurPage(req, context)) return sendJson(res, 403, { ok: false, error: 'the desk answers its own page only' });
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.headers[CSRF_HEADER] !== session.csrf)
        return sendJson(res, 403, { ok: false, error: 'this request does not carry the page’s token: reload the desk' });
      return desk.api(req, res, url, session.actor, session.sessionId);
    }
    if (url.pathname === '/' || url.pathname === '/index.html') {
      if (!session) {
        res.writeHead(303, { ...SECURITY_HEADERS, location: '/login' });
        return void res.end();
      }
      return send(res, 200, await deskPage(staticDir, session.csrf), 'text/html; charset=utf-8');
    }
    // The app's own files (scripts, styles) hold nothing private: what the desk shows, it asks the API for.
    return desk.serveStatic(res, url.pathname);
  };

  const common = {
    deliveries,
    callbackSecrets: options.callbackSecrets,
    requireSecrets: true,
    maxBodyBytes: options.maxBodyBytes,
    log,
    onStored: (outcome: Parameters<typeof announce>[1]) => announce(core.events, outcome),
    callbackAllowed: allowed ? (req: IncomingMessage) => allowed(requestContext(req, trusted, false).clientAddress) : undefined,
  };
  let deskServer: Server | null = null;
  try {
    if (options.callbackListen) {
      receiver = await startReceiver({ ...common, host: options.callbackListen.host, port: options.callbackListen.port, tls });
      deskServer = await listenOn(
        (req, res) => {
          const url = new URL(req.url ?? '/', 'http://desk');
          handleDesk(req, res, url).catch((error: unknown) => {
            log(`500 ${req.method} ${url.pathname}: ${error instanceof Error ? error.stack : String(error)}`);
            if (!res.headersSent) send(res, 500, 'internal error\n');
            else res.destroy();
          });
        },
        options.listen,
        tls,
      );
    } else {
      receiver = await startReceiver({ ...common, host: options.listen.host, port: options.listen.port, tls, otherRoutes: handleDesk });
    }
  } catch (error) {
    await receiver?.close();
    await core.stop();
    throw error;
  }
  const port = deskServer ? (deskServer.address() as AddressInfo).port : receiver.port;
  const shownHost = options.listen.host.includes(':') ? `[${options.listen.host}]` : options.listen.host;
  const deskUrl = options.publicUrl ?? `${tls ? 'https' : 'http'}://${shownHost}:${port}/`;
  return {
    deskUrl,
    callbackUrl: receiver.callbackUrl,
    everyDomainTaken: receiver.everyDomainTaken,
    domainCallbackUrls: receiver.domainCallbackUrls,
    service: core.service,
    events: core.events,
    close: async () => {
      await new Promise<void>((resolve) => {
        if (!deskServer) return resolve();
        deskServer.close(() => resolve());
        deskServer.closeAllConnections();
      });
      await receiver?.close();
      await core.stop();
    },
  };
}

/**
 * The URL the desk's status bar shows: the one for every domain; or, when each domain has its own
 * (secrets for named domains only), the first domain's, saying how many more there are.
 */
function shownCallbackUrl({ callbackUrl, everyDomainTaken, domainCallbackUrls }: Receiver): string | null {
  if (everyDomainTaken) return callbackUrl;
  const [first, ...more] = domainCallbackUrls;
  if (!first) return null;
  return `${first.url} (domainID ${first.domainId}${more.length ? `; ${more.length} more domain${more.length > 1 ? 's' : ''}, each at its own URL` : ''})`;
}
