// How the renderer reaches main: Electron's preload bridge when present, else browser mode's
// loopback HTTP. Both carry the one contract in shared/api.ts; errors arrive as values and become
// exceptions here, in one place.
import {
  PLAIN_METHODS,
  type ApiArgs,
  type ApiEvent,
  type ApiResult,
  type ExportResult,
  type ImportFileResult,
  type OmvClient,
  type PlainMethod,
} from '../../shared/api';
import { download } from './download';

/** What the Electron preload exposes as window.omv (see main/electron/preload.cts). */
export interface DesktopBridge {
  call(method: PlainMethod, args: unknown): Promise<ApiResult<unknown>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
  /** Dropped files, or none: main asks the moderator with a dialog. */
  importFiles(files?: File[]): Promise<ApiResult<ImportFileResult[]>>;
  exportCsv(args: ExportArgs): Promise<ApiResult<ExportResult | null>>;
}

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
  if (!result.ok) throw new Error(result.error);
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

function upload(file: File, onUpload?: (name: string, sent: number, total: number) => void): Promise<ImportFileResult> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `api/import?name=${encodeURIComponent(file.name)}`);
    request.setRequestHeader('content-type', 'application/octet-stream');
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

function browserTransport(): Transport {
  const listeners = new Set<(event: ApiEvent) => void>();
  let source: EventSource | null = null;
  return {
    desktop: false,
    // An aborted call closes its request: the page stops waiting for an answer it no longer wants
    // (the query behind it still runs to its end or its time limit).
    api: client(async (method, args, signal) => {
      const response = await fetch(`api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(args ?? {}),
        signal: signal ?? null,
      });
      if (response.status === 401) return { ok: false, error: 'This viewer session has no key: open the URL that omv serve printed.' };
      return (await response.json()) as ApiResult<unknown>;
    }),
    onEvent(listener) {
      listeners.add(listener);
      source ??= new EventSource('api/events');
      source.onmessage = (message) => {
        const event = JSON.parse(message.data as string) as ApiEvent;
        for (const each of listeners) each(event);
      };
      return () => listeners.delete(listener);
    },
    async importFiles(files, onUpload) {
      const results: ImportFileResult[] = [];
      for (const file of files ?? []) results.push(await upload(file, onUpload));
      return results;
    },
    async exportCsv({ filter, query, withReview }) {
      const params = new URLSearchParams({ filter: JSON.stringify(filter) });
      if (query) params.set('query', query);
      if (withReview) params.set('review', '1');
      download(`api/export.csv?${params}`);
    },
  };
}

export const transport: Transport = window.omv ? desktopTransport(window.omv) : browserTransport();
export const api = transport.api;
