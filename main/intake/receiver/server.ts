// The HTTP listener the vendor calls. Binds loopback unless told otherwise, and then only with a
// secret token in the path (the vendor can be given nothing but a URL). Slow or stalled clients
// are cut off by timeouts while their bodies are still being read, so they never hold the store.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost, secretMatches } from '../../net/access.js';
import type { Db } from '../../store/db.js';
import type { StoreOutcome } from '../../store/deliveries.js';
import { handleCallback } from './callback.js';
import { GroupCommit } from './groupCommit.js';

export interface ReceiverOptions {
  db: Db;
  host?: string;
  port?: number;
  token?: string | null;
  maxBodyBytes?: number;
  /** The whole request, headers and body, must arrive within this time (ms). */
  requestTimeoutMs?: number;
  log?: (line: string) => void;
  onStored?: (outcome: StoreOutcome) => void;
  /** Everything that is not the callback path goes here (browser mode's viewer), else 404. */
  otherRoutes?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
}

export interface Receiver {
  /** The URL to give the vendor; it appends ?function=…&domainID=…&callID=… itself. */
  callbackUrl: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8420;
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** True when the request path names the callback, with the right token if one is required. */
function callbackPathMatches(pathname: string, token: string | null): boolean {
  if (token === null) return pathname === '/callback' || pathname === '/callback/';
  if (!pathname.startsWith('/callback/')) return false;
  let given: string;
  try {
    given = decodeURIComponent(pathname.slice('/callback/'.length).replace(/\/$/, ''));
  } catch {
    return false;
  }
  return secretMatches(given, token);
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token || null;
  if (!isLoopbackHost(host) && !token) {
    throw new Error(`refusing to listen on ${host} without --token: anyone who can reach it could write into the database`);
  }
  const log = options.log ?? (() => {});
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const context = {
    commit: new GroupCommit(options.db),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    bodyTimeoutMs: requestTimeoutMs,
    log,
    onStored: options.onStored ?? (() => {}),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (callbackPathMatches(url.pathname, token)) return handleCallback(req, res, url.searchParams, context);
    if (options.otherRoutes && !url.pathname.startsWith('/callback')) return options.otherRoutes(req, res, url);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  };

  const server: Server = createServer(
    {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(requestTimeoutMs, 10_000),
      connectionsCheckingInterval: Math.min(1000, requestTimeoutMs / 2),
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        log(`500 ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('internal error\n');
      });
    },
  );
  server.keepAliveTimeout = 5_000;
  server.timeout = requestTimeoutMs; // an idle socket is closed too

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    callbackUrl: `http://${shownHost}:${port}/callback${token ? `/${encodeURIComponent(token)}` : ''}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
