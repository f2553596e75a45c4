// The desktop app, kept thin: one hardened window, IPC registration for the API contract, the
// callback receiver running in this process, the database in the user-data folder. Everything
// else is the same plain-Node code that `omv serve` runs.
import { app, BrowserWindow, dialog, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { API_METHODS, type ApiMethod, type ApiResult, type EntryFilter, type ImportFileResult } from '../../shared/api.js';
import { reportedExport } from '../api/events.js';
import { cleanFilter } from '../api/service.js';
import { startApp, RENDERER_DIR, type App as OmvApp } from '../app.js';
import { exportInWorker } from '../entryExport.js';
import { importFile } from '../importer.js';
import { PRODUCT_NAME, userDataFolder } from '../paths.js';
import { DEFAULT_PORT } from '../receiver/server.js';
import { openDatabase, type Db } from '../store/db.js';
import { hardenSessions, hardenWebContents } from './windowSecurity.js';

const PRELOAD = fileURLToPath(new URL('./preload.cjs', import.meta.url));
const RENDERER_INDEX = join(RENDERER_DIR, 'index.html');
const RENDERER_URL_PREFIX = pathToFileURL(RENDERER_DIR).href;
/** better-sqlite3 built for Electron's ABI (scripts/start.mjs sets it), for this thread and the workers. */
const NATIVE_BINDING = process.env['OMV_NATIVE_BINDING'] || undefined;

app.setName(PRODUCT_NAME);
app.setPath('userData', userDataFolder());

function result<T>(run: () => Promise<T> | T): Promise<ApiResult<T>> {
  return Promise.resolve()
    .then(run)
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error) }),
    );
}

/** Only our own renderer may call: a frame from anywhere else is refused. */
function fromOurRenderer(event: IpcMainInvokeEvent): boolean {
  return event.senderFrame?.url.startsWith(RENDERER_URL_PREFIX) ?? false;
}

function registerIpc(omv: OmvApp, db: Db, window: () => BrowserWindow | null): void {
  ipcMain.handle('omv:call', (event, method: string, args: unknown) => {
    if (!fromOurRenderer(event)) return { ok: false, error: 'refused' };
    if (!(API_METHODS as readonly string[]).includes(method)) return { ok: false, error: `no API call "${method}"` };
    return result<unknown>(() => omv.service[method as ApiMethod](args as never));
  });

  ipcMain.handle('omv:import', async (event) => {
    if (!fromOurRenderer(event)) return { ok: false, error: 'refused' };
    return result(async () => {
      const win = window();
      const picked = await dialog.showOpenDialog(win!, { title: 'Import XML', properties: ['openFile', 'multiSelections'], filters: [{ name: 'XML', extensions: ['xml'] }] });
      const results: ImportFileResult[] = [];
      for (const path of picked.canceled ? [] : picked.filePaths) {
        const name = basename(path);
        const r = await importFile(db, path, {
          onProgress: (p) => omv.events.emit({ type: 'importProgress', name, bytesRead: p.bytesRead, totalBytes: p.totalBytes, entries: p.entries }),
        });
        results.push({ name, status: r.status, entries: r.entries, newEntries: r.newEntries, error: r.error });
      }
      if (results.some((r) => r.newEntries > 0)) omv.events.emit({ type: 'entriesAdded', count: results.reduce((n, r) => n + r.newEntries, 0), rooms: [] });
      return results;
    });
  });

  ipcMain.handle('omv:export', async (event, filter: EntryFilter) => {
    if (!fromOurRenderer(event)) return { ok: false, error: 'refused' };
    return result(async () => {
      const picked = await dialog.showSaveDialog(window()!, { title: 'Export CSV', defaultPath: 'omv-export.csv', filters: [{ name: 'CSV', extensions: ['csv'] }] });
      if (picked.canceled || !picked.filePath) return null;
      const out = createWriteStream(picked.filePath);
      await reportedExport(omv.events, (onProgress) => exportInWorker(db.name, cleanFilter(filter), out, { onProgress, nativeBinding: NATIVE_BINDING }));
      out.end();
      await once(out, 'finish');
      return picked.filePath;
    });
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 900,
    minHeight: 560,
    title: PRODUCT_NAME,
    show: false,
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadFile(RENDERER_INDEX);
  return win;
}

async function main(): Promise<void> {
  await app.whenReady();
  hardenSessions(session.defaultSession);
  hardenWebContents(app, RENDERER_URL_PREFIX);
  const db = openDatabase(process.env['OMV_DB'] || join(app.getPath('userData'), 'omv.sqlite'), { nativeBinding: NATIVE_BINDING });
  const port = process.env['OMV_PORT'] ? Number(process.env['OMV_PORT']) : DEFAULT_PORT;
  const omv = await startApp({ db, port, viewer: false, nativeBinding: NATIVE_BINDING, log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(`omv: receiving callbacks at ${omv.receiver.callbackUrl}\n`);
  let win: BrowserWindow | null = createWindow();
  win.on('closed', () => (win = null));
  omv.events.subscribe((event) => win?.webContents.send('omv:event', event));
  registerIpc(omv, db, () => win);
  app.on('activate', () => {
    if (!win) win = createWindow();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => {
    void omv.close();
    db.close();
  });
}

main().catch((error: unknown) => {
  dialog.showErrorBox(PRODUCT_NAME, error instanceof Error ? error.message : String(error));
  app.exit(1);
});
