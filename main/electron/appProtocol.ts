// The renderer is served over omv://app/ (protocol.handle), not file://: a page on file:// shares
// its origin with every local file, and Electron gives file:// extra privileges (switched off by
// a fuse at packaging). Only the built renderer's own files are served, each with the CSP.
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { CONTENT_SECURITY_POLICY } from '../../shared/contentSecurityPolicy.js';
import { contentType, rendererFile } from '../viewer/rendererFiles.js';

const SCHEME = 'omv';
const HOST = 'app';
export const APP_URL = `${SCHEME}://${HOST}`;

/** True for a URL of our own page (what IPC senders and navigations are checked against). */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${SCHEME}:` && parsed.host === HOST;
  } catch {
    return false;
  }
}

/** Call before the app is ready: omv:// behaves like https (secure, standard, fetch allowed). */
export function registerAppProtocol(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function serveAppProtocol(): void {
  protocol.handle(SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === HOST ? rendererFile(url.pathname) : null;
    if (!file) return new Response('not found', { status: 404 });
    try {
      return new Response(await readFile(file), {
        headers: { 'content-type': contentType(file), 'content-security-policy': CONTENT_SECURITY_POLICY },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}
