// The desktop app as a team server's client: on a first start (or when asked from the menu) it
// asks where the desk is; a team server's desk then opens in the window as a browser would open
// it (its own sign-in page, no bridge to this machine), with its certificate checked: one the
// system trusts, or the one the moderator pinned after comparing its fingerprint. The window says
// which server it shows; it may go nowhere else.
import { BrowserWindow, dialog, ipcMain, session } from 'electron';
import { APP_URL, isAppUrl } from './appProtocol.js';
import { SAFE_PAGE } from './windowSecurity.js';
import {
  certificateAccepted,
  ConnectionError,
  fingerprintOfPem,
  sameServer,
  serverCertificate,
  teamUrl,
  writeConnection,
  type DeskConnection,
} from './connection.js';

const WINDOW = { width: 1360, height: 880, minWidth: 900, minHeight: 560, show: false } as const;

/** Asks where the desk is (connect.html), pins a self-signed certificate only when the moderator says so, and keeps the answer. */
export function chooseConnection(file: string, preload: string, title: string): Promise<DeskConnection> {
  return new Promise((resolve) => {
    const win = new BrowserWindow({
      ...WINDOW,
      width: 640,
      height: 520,
      minWidth: 480,
      minHeight: 420,
      title,
      webPreferences: { ...SAFE_PAGE, preload },
    });
    win.once('ready-to-show', () => win.show());
    ipcMain.handle('omv:connect', async (event, choice: { kind?: unknown; url?: unknown }) => {
      if (!isAppUrl(event.senderFrame?.url ?? '')) return 'refused: not from the app';
      try {
        let connection: DeskConnection;
        if (choice.kind === 'team') {
          const url = teamUrl(String(choice.url ?? ''));
          let pinned: string | null = null;
          if (url.startsWith('https:')) {
            const certificate = await serverCertificate(url);
            if (!certificate.trusted) {
              const { response } = await dialog.showMessageBox(win, {
                type: 'warning',
                buttons: ['Trust this certificate', 'Cancel'],
                defaultId: 1,
                cancelId: 1,
                message: `${new URL(url).host} shows a certificate your system does not vouch for`,
                detail:
                  `${certificate.problem ?? ''}\n\nIssued to: ${certificate.subject}\nValid until: ${certificate.validTo}\n` +
                  `SHA-256 fingerprint:\n${certificate.fingerprint}\n\n` +
                  'Compare the fingerprint with the one your administrator gave you. Trust it only if they are the same: omv will then take this certificate, and only this one, from this server.',
              });
              if (response !== 0) return 'Not connected: the certificate was not trusted.';
              pinned = certificate.fingerprint;
            }
          }
          connection = { kind: 'team', url, pinned };
        } else connection = { kind: 'local' };
        writeConnection(file, connection);
        ipcMain.removeHandler('omv:connect');
        resolve(connection);
        win.close();
        return null;
      } catch (error) {
        return error instanceof ConnectionError ? error.message : `Not connected: ${(error as Error).message}`;
      }
    });
    void win.loadURL(`${APP_URL}/connect.html`);
  });
}

/** The team server's desk in a window: its certificate checked against the choice, navigation kept to that server. */
export function openTeamDesk(connection: Extract<DeskConnection, { kind: 'team' }>, title: string): BrowserWindow {
  const host = new URL(connection.url).hostname;
  session.defaultSession.setCertificateVerifyProc((request, callback) => {
    if (request.hostname !== host) return callback(-3); // anyone else: Chromium's own verdict
    const trusted = request.verificationResult === 'net::OK';
    callback(certificateAccepted(connection, { trusted, fingerprint: fingerprintOfPem(request.certificate.data) }) ? 0 : -2);
  });
  const win = new BrowserWindow({ ...WINDOW, title: `${title} — team server ${new URL(connection.url).host}`, webPreferences: SAFE_PAGE });
  // The page's own title would replace the one that says which server this is.
  win.on('page-title-updated', (event) => event.preventDefault());
  win.webContents.on('will-navigate', (event, url) => {
    if (!sameServer(connection, url)) event.preventDefault();
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(connection.url);
  return win;
}
