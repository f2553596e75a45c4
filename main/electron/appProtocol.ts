// The renderer is served over omv://app/ (protocol.handle), not file://: a page on file:// shares
// its origin with every local file, and Electron gives file:// extra privileges (switched off by
// a fuse at packaging). Only the built renderer's own files are served, each with the CSP.
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY } from '../../shared/contentSecurityPolicy.js';
import { RENDERER_DIR } from '../app.js';

const SCHEME = 'omv';
const HOST = 'app';
export const APP_URL = `${SCHEME}://${HOST}`;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

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
  const root = RENDERER_DIR.replace(/[/\\]$/, '');
  protocol.handle(SCHEME, async (request) => {
    try {
      const url = new URL(request.url);
      const relative = normalize(decodeURIComponent(url.pathname)).replace(/^[/\\]+/, '') || 'index.html';
      const file = join(root, relative);
      if (url.host !== HOST || !file.startsWith(root + sep)) return new Response('not found', { status: 404 });
      const body = await readFile(file);
      return new Response(body, {
        headers: { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CONTENT_SECURITY_POLICY },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}
