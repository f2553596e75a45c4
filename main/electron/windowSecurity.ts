// Window rules from Electron's security checklist (electronjs.org/docs/latest/tutorial/security):
// every page stays on our own renderer, new windows are denied (http(s) links go to the OS
// browser), no webviews, no permission prompts.
import { shell, type App, type Session } from 'electron';

export function hardenSessions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

export function hardenWebContents(app: App, rendererUrlPrefix: string): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(rendererUrlPrefix)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (/^https?:\/\//i.test(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}
