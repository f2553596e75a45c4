// Requests another site's page makes in the moderator's browser must change nothing. Three locks:
// - the session cookie is SameSite=Strict: a browser does not send it with another site's request;
// - every request that changes something carries the session's CSRF token in `x-omv-csrf` (a page
//   of another origin can neither read the token nor add the header without CORS, which we never allow);
// - a browser names the page a request comes from (`Origin`, `Sec-Fetch-Site`): another's is refused.
import type { IncomingMessage } from 'node:http';
import { secretMatches } from '../net/access.js';

export const CSRF_HEADER = 'x-omv-csrf';

/** Methods that change nothing (RFC 9110's safe methods): they need no CSRF token. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request may act for `session`: a safe method, or `x-omv-csrf` equal to the session's
 * CSRF token (compared in constant time). A POST without the header, or with another token, is refused.
 */
export function checkCsrf(req: IncomingMessage, session: { csrf: string }): boolean {
  if (SAFE_METHODS.has(req.method ?? 'GET')) return true;
  const given = req.headers[CSRF_HEADER];
  return typeof given === 'string' && secretMatches(given, session.csrf);
}

/** The origin a browser names for a page of this server, from the request's Host: `https://HOST` when `secure`. */
export function ownOrigin(req: IncomingMessage, secure: boolean): string {
  return `${secure ? 'https' : 'http'}://${req.headers.host ?? ''}`;
}

/**
 * False when a browser says another site's page sent the request: `Sec-Fetch-Site` other than
 * same-origin or none (typed or bookmarked), or an `Origin` not among `origins`. A request
 * without either (curl, a script) is not a browser's, and passes.
 */
export function fromOwnOrigin(req: IncomingMessage, origins: readonly string[]): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = req.headers.origin;
  return origin === undefined || origins.includes(origin);
}
