// The desktop app, kept thin: one hardened window on the omv:// protocol, IPC that carries the API
// contract, the callback receiver running in this process, the database in the user-data folder.
// Everything else is the same plain-Node code that `omv serve` runs.
//
// The launcher (scripts/start.mjs) reads this process's output: READY_LINE once the window is on
// screen, ALREADY_RUNNING_LINE when another instance took the window forward instead.
import { app, BrowserWindow, dialog, ipcMain, Menu, session, utilityProcess } from 'electron';
import { createWriteStream, rmSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { once } from 'node:events';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPlainMethod, type ApiArgs, type ApiResult, type FileTransports, type ImportFileResult } from '../../shared/api.js';
import { ConflictError } from '../../shared/conflict.js';
import { errorMessage } from '../../shared/errorMessage.js';
import type { StartQueryHost } from '../api/queryProtocol.js';
import { startApp, type App as OmvApp } from '../app.js';
import { PRODUCT_NAME, userDataFolder } from '../store/paths.js';
import { DEFAULT_PORT } from '../intake/receiver/server.js';
import { openDatabase } from '../store/db.js';
import { apiErrorMessage } from '../api/apiError.js';
import { ALREADY_RUNNING_LINE, READY_LINE } from './launchProtocol.js';
import { APP_URL, isAppUrl, registerAppProtocol, serveAppProtocol } from './appProtocol.js';
import { hardenSessions, hardenWebContents, SAFE_PAGE } from './windowSecurity.js';
import { readConnection, sameServer } from './connection.js';
import { chooseConnection, openTeamDesk } from './teamClient.js';

const PRELOAD = fileURLToPath(new URL('./preload.cjs', import.meta.url));

registerAppProtocol(); // before 'ready', as Electron requires
app.setName(PRODUCT_NAME);
app.setPath('userData', userDataFolder());

function result<T>(call: string, run: () => Promise<T> | T): Promise<ApiResult<T>> {
  return Promise.resolve()
    .then(run)
    .then(
      (value) => ({ ok: true as const, value }),
      // A conflict carries its fields (who changed what, when) as over HTTP.
      (error: unknown) => ({
        ok: false as const,
        error: apiErrorMessage(error, call),
        ...(error instanceof ConflictError ? { conflict: error.conflict } : {}),
      }),
    );
}

/** Only our own page may call: a frame from anywhere else (or a navigated-away one) is refused. */
function fromOurPage(event: Electron.IpcMainInvokeEvent): boolean {
  return isAppUrl(event.senderFrame?.url ?? '');
}

const REFUSED: ApiResult<never> = { ok: false, error: 'refused: not from the app' };

function registerIpc(omv: OmvApp, window: () => BrowserWindow | null): void {
  ipcMain.handle('omv:call', (event, method: string, args: unknown) => {
    if (!fromOurPage(event)) return REFUSED;
    if (!isPlainMethod(method)) return { ok: false, error: `no API call "${method}"` };
    return result<unknown>(method, () => omv.service.call(omv.service.localActor(), method, args as never));
  });

  // Each call that carries files has its own channel (omv:NAME, as the preload names it).
  const fileCalls: FileTransports<(payload: unknown) => Promise<unknown>> = {
    // Dropped files arrive as paths (the preload resolves them); none means "ask the moderator".
    importFiles: async (dropped): Promise<ImportFileResult[]> => {
      let paths = Array.isArray(dropped) ? dropped.filter((path): path is string => typeof path === 'string' && path !== '') : [];
      if (!Array.isArray(dropped)) {
        const picked = await dialog.showOpenDialog(window()!, {
          title: 'Import XML',
          properties: ['openFile', 'multiSelections'],
          filters: [{ name: 'XML', extensions: ['xml'] }],
        });
        paths = picked.canceled ? [] : picked.filePaths;
      }
      return omv.service.importFiles(omv.service.localActor(), { files: paths.map((path) => ({ path, name: basename(path) })) });
    },
    exportCsv: async (args) => {
      const picked = await dialog.showSaveDialog(window()!, {
        title: 'Export CSV',
        defaultPath: 'omv-export.csv',
        filters: [{ name: 'CSV', extensions: ['csv'] }],
      });
      if (picked.canceled || !picked.filePath) return null;
      const out = createWriteStream(picked.filePath);
      await once(out, 'open'); // a file that cannot be written is said before the export starts
      const exported = await omv.service.exportCsv(omv.service.localActor(), args as ApiArgs<'exportCsv'>, out, {
        path: picked.filePath,
        name: basename(picked.filePath),
      });
      await finished(out); // the export's stream ends the file
      return exported;
    },
  };
  for (const [method, run] of Object.entries(fileCalls))
    ipcMain.handle(`omv:${method}`, (event, payload: unknown) => (fromOurPage(event) ? result(method, () => run(payload)) : REFUSED));
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 900,
    minHeight: 560,
    title: PRODUCT_NAME,
    show: false,
    webPreferences: { ...SAFE_PAGE, preload: PRELOAD },
  });
  win.once('ready-to-show', () => {
    win.show();
    process.stdout.write(`${READY_LINE}\n`);
  });
  void win.loadURL(`${APP_URL}/index.html`);
  return win;
}

/** Query hosts as Electron utility processes (a packaged app cannot fork itself as Node). */
const utilityQueryHost: StartQueryHost = (script, databasePath) => {
  const child = utilityProcess.fork(script, [databasePath], { stdio: 'inherit', serviceName: 'omv query host' });
  return {
    postMessage: (message) => child.postMessage(message),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => void child.kill(),
    keepAlive: () => {}, // the app runs until it quits
  };
};

/** Connection → Change…: the next start asks again. */
function setConnectionMenu(file: string): void {
  const template: Electron.MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'Connection',
      submenu: [
        {
          label: 'Change where the desk is…',
          click: () => {
            rmSync(file, { force: true });
            app.relaunch();
            app.quit();
          },
        },
      ],
    },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function portAdvice(port: number): string {
  return `Port ${port} is in use by another program, so callbacks are not being received. Close it, or start omv with OMV_PORT set to a free port.`;
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    process.stdout.write(`${ALREADY_RUNNING_LINE}\n`);
    app.quit();
    return;
  }
  await app.whenReady();
  hardenSessions(session.defaultSession);
  serveAppProtocol();
  // Where the desk is: this computer, or a team server (asked on the first start, or after Connection → Change).
  const connectionFile = join(app.getPath('userData'), 'connection.json');
  const connection =
    (process.env['OMV_CONNECT'] === 'ask' ? null : readConnection(connectionFile)) ??
    (await chooseConnection(connectionFile, PRELOAD, PRODUCT_NAME));
  hardenWebContents(app, (url) => sameServer(connection, url));
  setConnectionMenu(connectionFile);
  if (connection.kind === 'team') {
    // A client of the team's server: no receiver and no database here; the server's desk, signed in.
    const teamWindow = openTeamDesk(connection, PRODUCT_NAME);
    teamWindow.once('ready-to-show', () => process.stdout.write(`${READY_LINE}\n`));
    app.on('window-all-closed', () => app.quit());
    return;
  }
  const db = openDatabase(process.env['OMV_DB'] || join(app.getPath('userData'), 'omv.sqlite'));
  const port = process.env['OMV_PORT'] ? Number(process.env['OMV_PORT']) : DEFAULT_PORT;
  const omv = await startApp({
    db,
    port,
    viewer: false,
    portInUse: { carryOn: portAdvice },
    startQueryHost: utilityQueryHost,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(omv.receiver ? `omv: receiving callbacks at ${omv.receiver.callbackUrl}\n` : `omv: ${portAdvice(port)}\n`);

  let win: BrowserWindow | null = createWindow();
  win.on('closed', () => (win = null));
  omv.events.subscribe((event) => win?.webContents.send('omv:event', event));
  registerIpc(omv, () => win);
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.on('activate', () => {
    if (!win) {
      win = createWindow();
      win.on('closed', () => (win = null));
    }
  });
  app.on('window-all-closed', () => app.quit());

  // On quit the receiver stops accepting, finishes what it acknowledged, and only then does the
  // database close.
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    closed = true;
    omv
      .close()
      .catch((error: unknown) => process.stderr.write(`omv: while stopping: ${errorMessage(error)}\n`))
      .finally(() => {
        db.close();
        app.quit();
      });
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`omv: ${errorMessage(error)}\n`);
  dialog.showErrorBox(PRODUCT_NAME, errorMessage(error));
  app.exit(1);
});
