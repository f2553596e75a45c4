// Window rules from Electron's security checklist (electronjs.org/docs/latest/tutorial/security):
// every frame stays on our own page (navigation is denied), new windows are denied, an http(s)
// link opens in the OS browser only after the moderator says yes, no webviews, no permissions.
import { BrowserWindow, dialog, shell, type App, type Session, type WebContents } from 'electron';
import { isAppUrl } from './appProtocol.js';

/** Every window's page: isolated from the preload, sandboxed, no Node, no webviews. */
export const SAFE_PAGE = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webviewTag: false,
  spellcheck: false,
} as const;

export function hardenSessions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Chat content is hostile: a link in it is shown in full and opened only when confirmed. */
async function openExternally(contents: WebContents, url: string): Promise<void> {
  if (!/^https?:\/\//i.test(url)) return;
  const window = BrowserWindow.fromWebContents(contents);
  const options = {
    type: 'question' as const,
    buttons: ['Open in browser', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    message: 'Open this link in your web browser?',
    detail: url,
  };
  const { response } = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
  if (response === 0) await shell.openExternal(url);
}

/** `allowed`: where else a window may go (a team server's own pages, when the desk is there). */
export function hardenWebContents(app: App, allowed: (url: string) => boolean = () => false): void {
  app.on('web-contents-created', (_event, contents) => {
    const deny = (event: Electron.Event, url: string) => {
      if (!isAppUrl(url) && !allowed(url)) event.preventDefault();
    };
    contents.on('will-navigate', deny);
    contents.on('will-frame-navigate', (event) => deny(event, event.url));
    contents.on('will-redirect', deny);
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      void openExternally(contents, url);
      return { action: 'deny' };
    });
  });
}
