// How the renderer reaches main: Electron's preload bridge when present, else browser mode's
// loopback HTTP. Both carry the one contract in shared/api.ts; errors arrive as values and become
// exceptions here, in one place.
import {
  PLAIN_METHODS,
  type ApiArgs,
  type ApiEvent,
  type ApiResult,
  type DesktopBridge,
  type ImportFileResult,
  type OmvClient,
  type PlainMethod,
} from '../../shared/api';
import { ConflictError } from '../../shared/conflict';
import { eventData } from '../../shared/eventStream';
import { download } from './download';

declare global {
  interface Window {
    omv?: DesktopBridge;
  }
}

/** What an export is asked for: the filter, the query it came from (for the manifest), and the review's columns. */
export type ExportArgs = ApiArgs<'exportCsv'>;

export interface Transport {
  api: OmvClient;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /**
   * The contract's importFiles, carried: the files given (dropped or picked in the page), or with
   * none the desktop's own dialog. Browser mode uploads them first (`onUpload` tells how far).
   */
  importFiles(files: File[] | null, onUpload?: (name: string, sent: number, total: number) => void): Promise<ImportFileResult[]>;
  /** The contract's exportCsv, carried: a save dialog on the desktop, a download in the browser. */
  exportCsv(args: ExportArgs): Promise<void>;
  readonly desktop: boolean;
}

function unwrap<T>(result: ApiResult<T>): T {
  // A conflict keeps its fields (who changed what, when): the view shows them beside what the moderator typed.
  if (!result.ok) throw result.conflict ? new ConflictError(result.error, result.conflict) : new Error(result.error);
  return result.value;
}

function client(call: (method: PlainMethod, args: unknown, signal?: AbortSignal) => Promise<ApiResult<unknown>>): OmvClient {
  const api = {} as Record<PlainMethod, (args: unknown, signal?: AbortSignal) => Promise<unknown>>;
  for (const method of PLAIN_METHODS) api[method] = async (args, signal) => unwrap(await call(method, args, signal));
  return api as unknown as OmvClient;
}

function desktopTransport(bridge: DesktopBridge): Transport {
  return {
    desktop: true,
    api: client((method, args) => bridge.call(method, args)),
    onEvent: (listener) => bridge.onEvent(listener),
    importFiles: async (files) => unwrap(await bridge.importFiles(files ?? undefined)),
    exportCsv: async (args) => void unwrap(await bridge.exportCsv(args)),
  };
}

// Browser mode's key (main/viewer/pageKeys.ts). The viewer URL carries the launch key; the page
// exchanges it for a key of its own, kept in this tab's sessionStorage (per origin, port
// included: no other server on 127.0.0.1 sees it, as it would a cookie) so a reload keeps working,
// and sends that key as a header on every request. Nothing the browser sends by itself opens the API.
const KEY_HEADER = 'x-omv-key';
const KEY_STORE = 'omv.pageKey';

function pageKey(): Promise<string | null> {
  const params = new URLSearchParams(location.search);
  const launchKey = params.get('key');
  if (launchKey === null) return Promise.resolve(sessionStorage.getItem(KEY_STORE));
  // The launch key leaves the address bar, and this tab's history entry, at once.
  params.delete('key');
  history.replaceState(history.state, '', `${location.pathname}${params.size > 0 ? `?${params}` : ''}${location.hash}`);
  return fetch('key/page', { method: 'POST', headers: { [KEY_HEADER]: launchKey } }).then(
    async (response) => {
      const result = (await response.json()) as ApiResult<string>;
      if (!result.ok) return null;
      sessionStorage.setItem(KEY_STORE, result.value);
      return result.value;
    },
    () => null,
  );
}

async function keyHeader(key: Promise<string | null>): Promise<Record<string, string>> {
  const value = await key;
  return value === null ? {} : { [KEY_HEADER]: value };
}

// A team server (main/team/server.ts) signs moderators in: its session cookie goes with every
// request by itself (HttpOnly, SameSite=Strict), and every request that changes anything carries
// the session's CSRF token, which the server put in the page it served.
const CSRF_HEADER = 'x-omv-csrf';
const teamCsrf = document.querySelector<HTMLMetaElement>('meta[name="omv-csrf"]')?.content ?? null;

/** The headers that open the API for this page: the team session's token, or the local page key. */
function authHeaders(key: Promise<string | null>): Promise<Record<string, string>> {
  return teamCsrf !== null ? Promise.resolve({ [CSRF_HEADER]: teamCsrf }) : keyHeader(key);
}

/**
 * The live events, read from a fetch (EventSource cannot send the key header): `data:` lines of
 * server-sent events, read again after a pause if the connection drops, given up when refused.
 */
async function readEvents(key: Promise<string | null>, deliver: (event: ApiEvent) => void): Promise<void> {
  for (;;) {
    try {
      const response = await fetch('api/events', { headers: await authHeaders(key) });
      if (response.status === 401 || response.status === 403) return;
      for await (const data of eventData(response.body!)) deliver(JSON.parse(data) as ApiEvent);
    } catch {
      // The server went away (stopped, restarted): try again below.
    }
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

function upload(
  file: File,
  headers: Record<string, string>,
  onUpload?: (name: string, sent: number, total: number) => void,
): Promise<ImportFileResult> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `api/import?name=${encodeURIComponent(file.name)}`);
    request.setRequestHeader('content-type', 'application/octet-stream');
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => onUpload?.(file.name, event.loaded, event.total);
    request.onload = () => {
      try {
        resolve(unwrap(JSON.parse(request.responseText) as ApiResult<ImportFileResult>));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
    request.onerror = () => reject(new Error(`uploading ${file.name} failed`));
    request.send(file);
  });
}

const NO_KEY =
  teamCsrf !== null
    ? 'Your session has ended: sign in again at /login (what you typed stays in this tab).'
    : 'This viewer session has no key: open the URL that omv serve printed.';

function browserTransport(): Transport {
  const key = teamCsrf !== null ? Promise.resolve(null) : pageKey();
  const listeners = new Set<(event: ApiEvent) => void>();
  let listening = false;
  return {
    desktop: false,
    // An aborted call closes its request: the page stops waiting for an answer it no longer wants
    // (the query behind it still runs to its end or its time limit).
    api: client(async (method, args, signal) => {
      const response = await fetch(`api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await authHeaders(key)) },
        body: JSON.stringify(args ?? {}),
        signal: signal ?? null,
      });
      if (response.status === 401) return { ok: false, error: NO_KEY };
      return (await response.json()) as ApiResult<unknown>;
    }),
    onEvent(listener) {
      listeners.add(listener);
      if (!listening) {
        listening = true;
        void readEvents(key, (event) => {
          for (const each of listeners) each(event);
        });
      }
      return () => listeners.delete(listener);
    },
    async importFiles(files, onUpload) {
      const results: ImportFileResult[] = [];
      for (const file of files ?? []) results.push(await upload(file, await authHeaders(key), onUpload));
      return results;
    },
    async exportCsv({ filter, query, withReview, pseudonymous }) {
      const params = new URLSearchParams({ filter: JSON.stringify(filter) });
      if (query) params.set('query', query);
      if (withReview) params.set('review', '1');
      if (pseudonymous) params.set('ids', 'pseudonymous');
      // A download the server refuses (a role without "export", a session that ended) is dropped by
      // the browser without a word: the page asks first, and says why.
      const check = await fetch(`api/export.csv?${params}&check=1`, { headers: await authHeaders(key) });
      if (check.status === 401) throw new Error(NO_KEY);
      if (!check.ok) throw new Error(`refused: ${(await check.text()).trim() || `HTTP ${check.status}`}`);
      if (teamCsrf === null) {
        // A download cannot carry a header: it carries a ticket that opens this one request, once.
        const response = await fetch('key/ticket', { method: 'POST', headers: await keyHeader(key) });
        if (response.status === 401) throw new Error(NO_KEY);
        params.set('ticket', unwrap((await response.json()) as ApiResult<string>));
      } // (a team session's cookie opens it: SameSite=Strict keeps it to our own pages)
      download(`api/export.csv?${params}`);
    },
  };
}

export const transport: Transport = window.omv ? desktopTransport(window.omv) : browserTransport();
export const api = transport.api;
