// The cookies a team server sets. The session's token travels in `omv_session`: HttpOnly (no
// script reads it), SameSite=Strict (no other site's page makes the browser send it), Path=/, and
// Secure when the server runs TLS or sits behind a TLS proxy. The page reads its CSRF token from
// `omv_csrf` (the same flags but HttpOnly: the page sends it back in a header, which proves the
// request came from a page of ours; the server compares it with the session's own copy, never with
// the cookie). `omv_form` carries the sign-in and enrolment forms' token before there is a session.
//
// Cookies ignore ports: run a team server on a host name of its own, not beside other services.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SESSION_POLICY } from './sessions.js';

export const SESSION_COOKIE = 'omv_session';
export const CSRF_COOKIE = 'omv_csrf';
export const FORM_COOKIE = 'omv_form';

export interface CookieOptions {
  /** Add Secure: the server runs TLS, or a TLS proxy stands before it. */
  secure: boolean;
}

/** The value of the cookie `name` the request carries (the first, if it carries several), or undefined. */
export function cookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

function serialise(
  name: string,
  value: string,
  { secure, httpOnly, maxAgeSeconds }: CookieOptions & { httpOnly: boolean; maxAgeSeconds: number },
) {
  return [
    `${name}=${encodeURIComponent(value)}`,
    `Max-Age=${maxAgeSeconds}`,
    'Path=/',
    ...(httpOnly ? ['HttpOnly'] : []),
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** Adds a Set-Cookie header, keeping those already set on the response. */
function addCookie(res: ServerResponse, text: string): void {
  res.appendHeader('set-cookie', text);
}

const SESSION_MAX_AGE_S = Math.floor(SESSION_POLICY.absoluteMs / 1000);

/** Sets the session cookie (HttpOnly; SameSite=Strict; Path=/; Secure when `secure`), living no longer than a session may. */
export function setSessionCookie(res: ServerResponse, token: string, { secure }: CookieOptions): void {
  addCookie(res, serialise(SESSION_COOKIE, token, { secure, httpOnly: true, maxAgeSeconds: SESSION_MAX_AGE_S }));
}

/** Sets the cookie the desk's page reads its CSRF token from (script-readable; SameSite=Strict; Secure when `secure`). */
export function setCsrfCookie(res: ServerResponse, csrf: string, { secure }: CookieOptions): void {
  addCookie(res, serialise(CSRF_COOKIE, csrf, { secure, httpOnly: false, maxAgeSeconds: SESSION_MAX_AGE_S }));
}

/** Sets the form token cookie of the sign-in and enrolment pages (an hour). */
export function setFormCookie(res: ServerResponse, token: string, { secure }: CookieOptions): void {
  addCookie(res, serialise(FORM_COOKIE, token, { secure, httpOnly: true, maxAgeSeconds: 3600 }));
}

export function clearFormCookie(res: ServerResponse, { secure }: CookieOptions): void {
  addCookie(res, serialise(FORM_COOKIE, '', { secure, httpOnly: true, maxAgeSeconds: 0 }));
}

/** Tells the browser to forget the session and its CSRF token (signed out, or a session that no longer works). */
export function clearSessionCookies(res: ServerResponse, { secure }: CookieOptions): void {
  addCookie(res, serialise(SESSION_COOKIE, '', { secure, httpOnly: true, maxAgeSeconds: 0 }));
  addCookie(res, serialise(CSRF_COOKIE, '', { secure, httpOnly: false, maxAgeSeconds: 0 }));
}
