// The built renderer's files, as both of its servers serve them: browser mode's HTTP viewer and
// the desktop app's omv:// protocol. One place decides which file a path names (never one
// outside the renderer's folder) and what type it is.
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RENDERER_DIR = fileURLToPath(new URL('../../renderer/', import.meta.url)).replace(/[/\\]$/, '');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export function contentType(file: string): string {
  return CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
}

/**
 * The file a URL path names inside `root` (`/` is index.html), or null when it names none: a `%`
 * that starts no escape, or a way out of the folder.
 */
export function rendererFile(pathname: string, root = RENDERER_DIR): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const relative = normalize(decoded).replace(/^[/\\]+/, '') || 'index.html';
  const file = join(root, relative);
  return file.startsWith(root + sep) && !relative.split(/[/\\]/).includes('..') ? file : null;
}

/**
 * How long a browser may keep a file: the bundles vite names by their content's hash
 * (assets/index-Cx8f2Q1a.js) for good, since a new build names its bundles anew; so a reload of
 * the desk takes its code from the cache, compiled already, instead of fetching and compiling
 * 400 kB again. Everything else (the page, the API's answers: chat logs) is never stored.
 */
export function cacheControl(pathname: string): string {
  return /^\/assets\/[\w.-]+-[\w-]{8}\.(?:js|css)$/.test(pathname) ? 'max-age=31536000, immutable' : 'no-store';
}
