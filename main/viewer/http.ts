// Browser mode: the built renderer and the same API as the desktop app, over loopback HTTP.
// Chat logs are private, so: only loopback peers, only our own Host header (DNS rebinding), only
// requests from our own page (Origin, Sec-Fetch-Site: other pages on 127.0.0.1 share the site),
// and a key in a header on every call (pageKeys.ts: never a cookie, which every port would get).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorLog } from '../api/apiError.js';
import type { EventHub } from '../api/events.js';
import type { OmvService } from '../api/service.js';
import { isLoopbackAddress } from '../net/access.js';
import { createDeskApi, FILE_ROUTES, send, sendJson } from './deskApi.js';
import { PageKeys } from './pageKeys.js';

export interface ViewerOptions {
  service: OmvService;
  events: EventHub;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  /** The launch key, printed in the viewer URL. */
  secret: string;
  /** Host header values we answer to, e.g. 127.0.0.1:8420 and localhost:8420. */
  hosts: () => string[];
  /** Where the full story of a failed call goes (default: standard error). */
  logError?: ErrorLog;
}

/** Where an API call's key goes: a header, which no other page can make a browser send. */
const KEY_HEADER = 'x-omv-key';
/** The cookie an older omv kept the key in: cleared, since every port on 127.0.0.1 received it. */
const OLD_COOKIE = 'omv_key';

/** False for a request another page made: a browser names the page's origin, and says whether it is ours. */
function fromOurOwnPage(req: IncomingMessage, hosts: string[]): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  return origin === undefined || hosts.some((host) => origin === `http://${host}`);
}

export function createViewerHandler(options: ViewerOptions) {
  const { service } = options;
  const keys = new PageKeys(options.secret);
  const desk = createDeskApi(options);

  return async function handleViewer(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!isLoopbackAddress(req.socket.remoteAddress)) return send(res, 403, 'the viewer answers this machine only\n');
    if (!options.hosts().includes(req.headers.host ?? '')) return send(res, 403, 'unexpected Host header\n');
    const given = url.searchParams.get('key') ?? undefined;
    if (url.pathname === '/' && given !== undefined) {
      if (!keys.isLaunchKey(given)) return send(res, 403, 'wrong key: use the viewer URL omv printed\n');
      // The page exchanges the key for its own (transport.ts) and takes it out of the address bar.
      return desk.serveStatic(res, '/', { 'set-cookie': `${OLD_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict` });
    }
    // /key/… hands out keys; /api/… is the contract (its names are the contract's, so keys live apart).
    if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/key/')) {
      const key = req.headers[KEY_HEADER] as string | undefined;
      // A download is the one request a page cannot add a header to: it carries a ticket instead.
      const authorised = keys.authorises(key) || (url.pathname === FILE_ROUTES.exportCsv && keys.redeem(url.searchParams.get('ticket')));
      if (!authorised) return sendJson(res, 401, { ok: false, error: 'open the viewer URL omv printed (it carries the key)' });
      if (!fromOurOwnPage(req, options.hosts())) return sendJson(res, 403, { ok: false, error: 'the viewer answers its own page only' });
      if (url.pathname === '/key/page') {
        if (req.method !== 'POST' || !keys.isLaunchKey(key))
          return sendJson(res, 403, { ok: false, error: 'only the launch key, from the printed URL, makes a page key' });
        return sendJson(res, 200, { ok: true, value: keys.openPage() });
      }
      if (url.pathname === '/key/ticket') {
        if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: 'POST for a ticket' });
        return sendJson(res, 200, { ok: true, value: keys.ticket() });
      }
      if (url.pathname.startsWith('/key/')) return sendJson(res, 404, { ok: false, error: 'no such key' });
      // One machine, no sign-in: every call is the local moderator's.
      return desk.api(req, res, url, service.localActor());
    }
    // The page itself holds nothing private: what it shows, it asks the API for, with its key.
    return desk.serveStatic(res, url.pathname);
  };
}

export type ViewerHandler = ReturnType<typeof createViewerHandler>;
