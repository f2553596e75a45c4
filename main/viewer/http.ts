// Browser mode: the built renderer and the same API as the desktop app, over loopback HTTP.
// Chat logs are private, so: only loopback peers, only our own Host header (DNS rebinding), only
// requests from our own page (Origin, Sec-Fetch-Site: other pages on 127.0.0.1 share the site),
// and a key in a header on every call (pageKeys.ts: never a cookie, which every port would get).
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { isPlainMethod, type ApiResult, type EntryFilter } from '../../shared/api.js';
import { CONTENT_SECURITY_POLICY } from '../../shared/contentSecurityPolicy.js';
import type { EventHub } from '../api/events.js';
import type { OmvService } from '../api/service.js';
import { isLoopbackAddress } from '../net/access.js';
import { apiErrorMessage, type ErrorLog } from '../api/apiError.js';
import { PageKeys } from './pageKeys.js';
import { contentType, rendererFile } from './rendererFiles.js';

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
/** What an upload must say it is: a type no page on another origin can send without asking first. */
const UPLOAD_TYPE = 'application/octet-stream';
const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** False for a request another page made: a browser names the page's origin, and says whether it is ours. */
function fromOurOwnPage(req: IncomingMessage, hosts: string[]): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  return origin === undefined || hosts.some((host) => origin === `http://${host}`);
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...headers });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

async function readJson(req: IncomingMessage, limit = 1 << 20): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > limit) throw new Error('request too large');
  }
  return text === '' ? {} : JSON.parse(text);
}

export function createViewerHandler(options: ViewerOptions) {
  const { service, events } = options;
  const keys = new PageKeys(options.secret);
  const failed = (error: unknown, call: string) => apiErrorMessage(error, call, options.logError);

  async function serveStatic(res: ServerResponse, pathname: string, headers: Record<string, string> = {}): Promise<void> {
    const file = rendererFile(pathname, options.staticDir);
    // A path names no file of ours: a bad escape is the sender's mistake, anything else is not here.
    if (!file) return pathname.includes('%') ? send(res, 400, 'bad path\n') : send(res, 404, 'not found\n');
    try {
      if (!(await stat(file)).isFile()) return send(res, 404, 'not found\n');
    } catch {
      if (pathname === '/') return send(res, 503, 'The viewer is not built: run `npm run build`.\n');
      return send(res, 404, 'not found\n');
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': contentType(file), ...headers });
    res.end(await readFile(file));
  }

  async function callApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    if (req.method !== 'POST' || !(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendJson(res, 405, { ok: false, error: 'API calls are POST with a JSON body' });
    }
    if (!isPlainMethod(method)) return sendJson(res, 404, { ok: false, error: `no API call "${method}"` });
    let args: never;
    try {
      args = (await readJson(req)) as never;
    } catch {
      return sendJson(res, 400, { ok: false, error: 'the body of an API call is JSON, at most 1 MiB' });
    }
    let result: ApiResult<unknown>;
    try {
      result = { ok: true, value: await service[method](args) };
    } catch (error) {
      result = { ok: false, error: failed(error, method) };
    }
    sendJson(res, 200, result);
  }

  function streamEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    res.write(': connected\n\n');
    const unsubscribe = events.subscribe((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.socket.setTimeout(0);
    req.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
    });
  }

  /** POST /api/import?name=FILE with the file's bytes as the body: spooled, then imported. */
  async function importUpload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: 'POST the file' });
    if (req.headers['content-type'] !== UPLOAD_TYPE)
      return sendJson(res, 415, { ok: false, error: `an upload is POSTed as ${UPLOAD_TYPE}` });
    const name = basename(url.searchParams.get('name') || 'upload.xml');
    const dir = await mkdtemp(join(tmpdir(), 'omv-upload-'));
    try {
      const file = join(dir, 'upload.xml');
      await pipeline(req, createWriteStream(file));
      const [value] = await service.importFiles({ files: [{ path: file, name }] });
      sendJson(res, 200, { ok: true, value });
    } catch (error) {
      sendJson(res, 200, { ok: false, error: failed(error, 'import') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function exportDownload(res: ServerResponse, url: URL): Promise<void> {
    let filter: EntryFilter;
    try {
      filter = JSON.parse(url.searchParams.get('filter') || '{}') as EntryFilter;
    } catch {
      return send(res, 400, 'filter= must be JSON\n');
    }
    const name = `omv-export-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.csv`;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
    });
    try {
      const query = url.searchParams.get('query') ?? undefined;
      const pseudonymous = url.searchParams.get('ids') === 'pseudonymous';
      await service.exportCsv({ filter, query, withReview: url.searchParams.get('review') === '1', pseudonymous }, res, {
        path: null,
        name,
      });
      res.end();
    } catch {
      res.destroy(); // a download cut short must not look complete
    }
  }

  return async function handleViewer(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!isLoopbackAddress(req.socket.remoteAddress)) return send(res, 403, 'the viewer answers this machine only\n');
    if (!options.hosts().includes(req.headers.host ?? '')) return send(res, 403, 'unexpected Host header\n');
    const given = url.searchParams.get('key') ?? undefined;
    if (url.pathname === '/' && given !== undefined) {
      if (!keys.isLaunchKey(given)) return send(res, 403, 'wrong key: use the viewer URL omv printed\n');
      // The page exchanges the key for its own (transport.ts) and takes it out of the address bar.
      return serveStatic(res, '/', { 'set-cookie': `${OLD_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict` });
    }
    // /key/… hands out keys; /api/… is the contract (its names are the contract's, so keys live apart).
    if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/key/')) {
      const key = req.headers[KEY_HEADER] as string | undefined;
      // A download is the one request a page cannot add a header to: it carries a ticket instead.
      const authorised = keys.authorises(key) || (url.pathname === '/api/export.csv' && keys.redeem(url.searchParams.get('ticket')));
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
      if (url.pathname === '/api/events') return streamEvents(req, res);
      if (url.pathname === '/api/import') return importUpload(req, res, url);
      if (url.pathname === '/api/export.csv') return exportDownload(res, url);
      return callApi(req, res, url.pathname.slice('/api/'.length));
    }
    // The page itself holds nothing private: what it shows, it asks the API for, with its key.
    return serveStatic(res, url.pathname);
  };
}

export type ViewerHandler = ReturnType<typeof createViewerHandler>;
