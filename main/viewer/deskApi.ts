// The desk over HTTP, whoever opens it: the built renderer's files, the contract's calls
// (POST /api/NAME), the live events (GET /api/events) and the calls that carry files (an upload, a
// download). Who may open it is the gate's business, not this module's: browser mode's loopback
// gate (http.ts) and the team server's sign-in (main/team/server.ts) each find the actor of a
// request and hand it here; every call then goes through the service as that actor.
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Actor } from '../../shared/access.js';
import { isPlainMethod, type ApiEvent, type ApiResult, type EntryFilter, type FileTransports } from '../../shared/api.js';
import { ConflictError } from '../../shared/conflict.js';
import { errorMessage } from '../../shared/errorMessage.js';
import { CONTENT_SECURITY_POLICY } from '../../shared/contentSecurityPolicy.js';
import { apiErrorMessage, type ErrorLog } from '../api/apiError.js';
import type { EventHub } from '../api/events.js';
import { authorise, ForbiddenError, type OmvService } from '../api/service.js';
import { cacheControl, contentType, rendererFile } from './rendererFiles.js';

export const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** What an upload must say it is: a type no page on another origin can send without asking first. */
const UPLOAD_TYPE = 'application/octet-stream';

export function send(
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
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

/** Where the calls that carry files cross HTTP: an upload, and a download. */
export const FILE_ROUTES: FileTransports<string> = { importFiles: '/api/import', exportCsv: '/api/export.csv' };

export interface DeskApiOptions {
  service: OmvService;
  events: EventHub;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  /** Where the full story of a failed call goes (default: standard error). */
  logError?: ErrorLog;
}

export interface DeskApi {
  /** Answers a request under /api/ as `actor` (`stream` names whose live events it is, so a gate can end them). */
  api(req: IncomingMessage, res: ServerResponse, url: URL, actor: Actor, stream?: string): Promise<void>;
  /** One of the renderer's files (index.html for /), with extra headers. */
  serveStatic(res: ServerResponse, pathname: string, headers?: Record<string, string>): Promise<void>;
  /** Ends the live event streams opened under `stream` (a signed-out or disabled account's). */
  endStreams(stream: string): void;
  /** Sends a live event to the streams opened under `stream` alone. */
  sendTo(stream: string, event: ApiEvent): void;
}

export function createDeskApi(options: DeskApiOptions): DeskApi {
  const { service, events } = options;
  const failed = (error: unknown, call: string) => apiErrorMessage(error, call, options.logError);
  const streams = new Map<string, Set<ServerResponse>>();

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
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': contentType(file), 'cache-control': cacheControl(pathname), ...headers });
    res.end(await readFile(file));
  }

  async function callApi(req: IncomingMessage, res: ServerResponse, method: string, actor: Actor): Promise<void> {
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
      result = { ok: true, value: await service.call(actor, method, args) };
    } catch (error) {
      // A call the actor may not make is refused as such (403); any other failure is the call's answer.
      if (error instanceof ForbiddenError) return sendJson(res, 403, { ok: false, error: error.message });
      // A write on a version someone else changed since (409): what changed, by whom, when, and the state now.
      if (error instanceof ConflictError) return sendJson(res, 409, { ok: false, error: error.message, conflict: error.conflict });
      result = { ok: false, error: failed(error, method) };
    }
    sendJson(res, 200, result);
  }

  function streamEvents(req: IncomingMessage, res: ServerResponse, stream: string, actor: Actor): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
    res.write(`data: ${JSON.stringify({ type: 'connected' } satisfies ApiEvent)}\n\n`);
    const unsubscribe = events.subscribe((event, audience) => {
      if (audience === undefined || audience === actor.name) res.write(`data: ${JSON.stringify(event)}\n\n`);
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.socket.setTimeout(0);
    const open = streams.get(stream) ?? new Set<ServerResponse>();
    streams.set(stream, open.add(res));
    res.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      open.delete(res);
      if (open.size === 0) streams.delete(stream);
    });
  }

  /** POST /api/import?name=FILE with the file's bytes as the body: spooled, then imported. */
  async function importUpload(req: IncomingMessage, res: ServerResponse, url: URL, actor: Actor): Promise<void> {
    if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: 'POST the file' });
    if (req.headers['content-type'] !== UPLOAD_TYPE)
      return sendJson(res, 415, { ok: false, error: `an upload is POSTed as ${UPLOAD_TYPE}` });
    const name = basename(url.searchParams.get('name') || 'upload.xml');
    try {
      authorise(actor, 'importFiles');
    } catch (error) {
      return sendJson(res, 403, { ok: false, error: errorMessage(error) });
    }
    const dir = await mkdtemp(join(tmpdir(), 'omv-upload-'));
    try {
      const file = join(dir, 'upload.xml');
      await pipeline(req, createWriteStream(file));
      const [value] = await service.importFiles(actor, { files: [{ path: file, name }] });
      sendJson(res, 200, { ok: true, value });
    } catch (error) {
      sendJson(res, 200, { ok: false, error: failed(error, 'import') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function exportDownload(_req: IncomingMessage, res: ServerResponse, url: URL, actor: Actor): Promise<void> {
    try {
      authorise(actor, 'exportCsv');
    } catch (error) {
      return send(res, 403, `${errorMessage(error)}\n`);
    }
    let filter: EntryFilter;
    try {
      filter = JSON.parse(url.searchParams.get('filter') || '{}') as EntryFilter;
    } catch {
      return send(res, 400, 'filter= must be JSON\n');
    }
    // check=1: whether this export would be made, and nothing else. The page asks first: a download
    // the server refuses is dropped by the browser without a word (transport.ts).
    if (url.searchParams.get('check') === '1') return send(res, 204, '');
    const name = `omv-export-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.csv`;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
    });
    try {
      const query = url.searchParams.get('query') ?? undefined;
      const pseudonymous = url.searchParams.get('ids') === 'pseudonymous';
      await service.exportCsv(actor, { filter, query, withReview: url.searchParams.get('review') === '1', pseudonymous }, res, {
        path: null,
        name,
      });
      res.end();
    } catch {
      res.destroy(); // a download cut short must not look complete
    }
  }

  const fileRoutes: FileTransports<(req: IncomingMessage, res: ServerResponse, url: URL, actor: Actor) => Promise<void>> = {
    importFiles: importUpload,
    exportCsv: exportDownload,
  };

  return {
    serveStatic,
    async api(req, res, url, actor, stream = 'local') {
      if (url.pathname === '/api/events') return streamEvents(req, res, stream, actor);
      for (const [method, path] of Object.entries(FILE_ROUTES))
        if (url.pathname === path) return fileRoutes[method as keyof typeof FILE_ROUTES](req, res, url, actor);
      return callApi(req, res, url.pathname.slice('/api/'.length), actor);
    },
    endStreams(stream) {
      for (const res of streams.get(stream) ?? []) res.end();
      streams.delete(stream);
    },
    sendTo(stream, event) {
      for (const res of streams.get(stream) ?? []) res.write(`data: ${JSON.stringify(event)}\n\n`);
    },
  };
}
