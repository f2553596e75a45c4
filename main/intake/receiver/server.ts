// The HTTP listener the vendor calls. Binds loopback unless told otherwise, and then only with a
// secret for every domain in the path (the vendor can be given nothing but a URL; see
// net/callbackSecrets.ts). Requests a web page made are refused, loopback or not. Slow or stalled
// clients are cut off by timeouts while their bodies are still being read, so they never hold the store.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { browserCrossSiteSignal, isLoopbackHost } from '../../net/access.js';
import {
  callbackPath,
  callbackSecretAccepted,
  everyDomainNeedsSecret,
  NO_CALLBACK_SECRETS,
  secretInCallbackPath,
  withSecretForEveryDomain,
  type CallbackSecrets,
} from '../../net/callbackSecrets.js';
import type { StoreOutcome } from '../../store/deliveries.js';
import { handleCallback } from './callback.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT } from './defaults.js';
import type { DeliveryStore } from './deliveryStore.js';
import { ParserPool } from '../../parser/parserPool.js';

export interface ReceiverOptions {
  /** Where deliveries are committed: SQLite's `new GroupCommit(db)`, or a PostgreSQL store's writes. */
  deliveries: DeliveryStore;
  host?: string;
  port?: number;
  /** A secret every domain's callbacks must carry (the same as `callbackSecrets.everyDomain`). */
  token?: string | null;
  /** Secrets for every domain and for named domains (see net/callbackSecrets.ts). */
  callbackSecrets?: CallbackSecrets;
  maxBodyBytes?: number;
  /** The whole request, headers and body, must arrive within this time (ms). */
  requestTimeoutMs?: number;
  log?: (line: string) => void;
  onStored?: (outcome: StoreOutcome) => void;
  /** Everything that is not the callback path goes here (browser mode's viewer, a team server's desk), else 404. */
  otherRoutes?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
  /** Serve HTTPS with this certificate and key (a team server's own TLS). */
  tls?: { cert: Buffer; key: Buffer } | null;
  /** Callbacks from elsewhere are refused (403) before their body is read: an address allow-list. */
  callbackAllowed?: (req: IncomingMessage) => boolean;
  /** Every callback must carry a domain's secret, loopback or not (a team server). */
  requireSecrets?: boolean;
}

export interface Receiver {
  /** The URL to give the vendor (for every domain not named in the secrets); it appends ?function=…&domainID=…&callID=… itself. */
  callbackUrl: string;
  /** False when callbackUrl takes no callbacks: a team server given secrets for named domains only refuses every other domain's. */
  everyDomainTaken: boolean;
  /** The URL of each domain that has a secret of its own. */
  domainCallbackUrls: { domainId: string; url: string }[];
  port: number;
  close(): Promise<void>;
}

export { DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT } from './defaults.js';

function refuse(res: ServerResponse, log: (line: string) => void, query: URLSearchParams, why: string): void {
  log(`403 ${query.get('function') ?? query.get('action') ?? '-'} ${query.get('domainID') || '-'}: ${why}`);
  res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
  res.end(`forbidden: ${why}\n`);
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const host = options.host ?? '127.0.0.1';
  const secrets = withSecretForEveryDomain(options.callbackSecrets ?? NO_CALLBACK_SECRETS, options.token || null);
  if (options.requireSecrets && !everyDomainNeedsSecret(secrets) && secrets.byDomain.size === 0)
    throw new Error('a team server takes callbacks with a secret only: give --callback-secret [DOMAIN=]SECRET');
  if (!isLoopbackHost(host) && !everyDomainNeedsSecret(secrets) && !options.requireSecrets) {
    throw new Error(
      `refusing to listen on ${host} without --token (a callback secret for every domain): anyone who can reach it could write into the database`,
    );
  }
  const log = options.log ?? (() => {});
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const parsers = new ParserPool();
  const context = {
    store: options.deliveries,
    parsers,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    bodyTimeoutMs: requestTimeoutMs,
    // Answered before the idle limit below (server.timeout) closes the connection unanswered.
    answerWithinMs: Math.max(requestTimeoutMs * 0.8, requestTimeoutMs - 5_000),
    log,
    onStored: options.onStored ?? (() => {}),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    const given = secretInCallbackPath(url.pathname);
    if (given !== undefined) {
      // Checked before a byte of the body is read: a refused request stores nothing.
      const fromWebPage = browserCrossSiteSignal(req.headers);
      if (fromWebPage) return refuse(res, log, url.searchParams, `${fromWebPage}; omv takes callbacks from the vendor's server only`);
      if (options.callbackAllowed && !options.callbackAllowed(req))
        return refuse(
          res,
          log,
          url.searchParams,
          `${req.socket.remoteAddress ?? 'this address'} is not among the addresses callbacks are taken from`,
        );
      const domainId = url.searchParams.get('domainID') ?? '';
      // A team server takes no callback without its domain's secret, wherever it listens.
      if (options.requireSecrets && given === null)
        return refuse(res, log, url.searchParams, `callbacks carry their domain's secret in the path: /callback/SECRET`);
      if (!callbackSecretAccepted(secrets, domainId, given))
        return refuse(res, log, url.searchParams, `the secret in this callback URL is not the one for domainID "${domainId}"`);
      return handleCallback(req, res, url.searchParams, context);
    }
    if (options.otherRoutes && !url.pathname.startsWith('/callback')) return options.otherRoutes(req, res, url);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  };

  const serverOptions = {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(requestTimeoutMs, 10_000),
    connectionsCheckingInterval: Math.min(1000, requestTimeoutMs / 2),
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      log(`500 ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('internal error\n');
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, listener)
    : createServer(serverOptions, listener);
  server.keepAliveTimeout = 5_000;
  server.timeout = requestTimeoutMs; // an idle socket is closed too

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    callbackUrl: `${origin}${callbackPath(secrets.everyDomain)}`,
    everyDomainTaken: !options.requireSecrets || everyDomainNeedsSecret(secrets),
    domainCallbackUrls: [...secrets.byDomain].map(([domainId, secret]) => ({ domainId, url: `${origin}${callbackPath(secret)}` })),
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // The parsers go once the last request has been answered (it may still be parsing).
        server.close(() => void parsers.close().then(resolve));
        context.store.stop?.();
        server.closeIdleConnections();
      }),
  };
}
