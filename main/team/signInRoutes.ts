// The team server's sign-in, sign-out and enrolment over HTTP (node:http, no framework):
//   GET  /login      the sign-in page (a signed-in browser goes home instead)
//   POST /login      name, password, form → a new session's cookies and 303 to home; or the page again, saying why
//   POST /logout     ends the session (CSRF token in x-omv-csrf or a `csrf` field) → 303 to /login
//   GET  /enrol?token=…  the page that sets an enrolment link's password (it does not use the link up)
//   POST /enrol      token, password, confirm, form → signed in, 303 to home
//   GET  /login.css  the pages' stylesheet
// Forms are application/x-www-form-urlencoded, at most 16 KiB. Before there is a session, the
// forms carry their own token (the omv_form cookie, SameSite=Strict, and the same value in a
// hidden field) and must come from a page of this server (Origin, Sec-Fetch-Site): another
// site's page can neither sign a moderator in as someone else nor post a password here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { secretMatches } from '../net/access.js';
import {
  clearFormCookie,
  clearSessionCookies,
  cookie,
  FORM_COOKIE,
  SESSION_COOKIE,
  setCsrfCookie,
  setFormCookie,
  setSessionCookie,
} from './cookies.js';
import { CSRF_HEADER, fromOwnOrigin, ownOrigin } from './csrf.js';
import type { ClientInfo, NewSession, ResolvedSession, Sessions } from './sessions.js';
import { enrolPage, messagePage, SIGN_IN_CSP, SIGN_IN_CSS, SIGN_IN_CSS_PATH, signInPage } from './signInPages.js';
import { newToken } from './tokens.js';

export interface SignInRoutesOptions {
  sessions: Sessions;
  /** Secure cookies: the server runs TLS, or a TLS proxy stands before it. */
  secure: boolean;
  /** The origins this server's pages have (`https://omv.example.org`); default: the request's Host, with https when `secure`. */
  origins?: (req: IncomingMessage) => readonly string[];
  /** The client's address for throttling and the audit trail; default the socket's peer (behind a trusted proxy, pass the forwarded one). */
  clientAddress?: (req: IncomingMessage) => string | undefined;
  /** Where a signed-in browser goes: default `/`. */
  home?: string;
}

/** The paths these routes answer; the server sends every request for them here. */
export const SIGN_IN_PATHS: readonly string[] = ['/login', '/logout', '/enrol', SIGN_IN_CSS_PATH];

const MAX_FORM_BYTES = 16 * 1024;
const FORM_TYPE = 'application/x-www-form-urlencoded';
const LINK_GONE = 'This link does not work any more: it was used, it expired, or a newer one was made. Ask an admin for a new one.';
const FORM_STALE = 'This form was open too long, or another page sent it: please try again.';

const PAGE_HEADERS = {
  'content-security-policy': SIGN_IN_CSP,
  'x-content-type-options': 'nosniff',
  // Not no-referrer: under it a browser names the origin of a form's POST as "null", and the
  // forms must say they come from here. The pages link nowhere else, so an enrolment link's token
  // goes to no one but this server.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
};

/** The session a request's cookie opens, or null. */
export function sessionOf(req: IncomingMessage, sessions: Sessions): Promise<ResolvedSession | null> {
  return sessions.resolve(cookie(req, SESSION_COOKIE));
}

class FormBodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== FORM_TYPE) throw new FormBodyError(415, `a form is posted as ${FORM_TYPE}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new FormBodyError(413, 'this form is larger than any sign-in form');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The sign-in routes. Answers false for a path that is not one of SIGN_IN_PATHS (the server
 * carries on routing it); true once it answered.
 */
export function createSignInRoutes(
  options: SignInRoutesOptions,
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const { sessions, secure } = options;
  const home = options.home ?? '/';
  const originsOf = options.origins ?? ((req: IncomingMessage) => [ownOrigin(req, secure)]);
  const clientOf = (req: IncomingMessage): ClientInfo => {
    const ip = options.clientAddress ? options.clientAddress(req) : req.socket.remoteAddress;
    const userAgent = req.headers['user-agent'];
    return { ...(ip ? { ip } : {}), ...(userAgent ? { userAgent } : {}) };
  };

  function html(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', ...headers });
    res.end(body);
  }

  function redirect(res: ServerResponse, location: string): void {
    res.writeHead(303, { ...PAGE_HEADERS, location });
    res.end();
  }

  function methodNotAllowed(res: ServerResponse, allow: string): void {
    res.writeHead(405, { ...PAGE_HEADERS, allow, 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${allow} only\n`);
  }

  /** This browser's form token: the one its cookie holds (several tabs share it), else a new one, set now. */
  function formToken(req: IncomingMessage, res: ServerResponse): string {
    const held = cookie(req, FORM_COOKIE);
    if (held && /^[A-Za-z0-9_-]{43}$/.test(held)) return held;
    const token = newToken();
    setFormCookie(res, token, { secure });
    return token;
  }

  /** Why a posted form is not to be trusted, or null: another origin's page, or a form token that is not this browser's. */
  function formRefused(req: IncomingMessage, fields: URLSearchParams): boolean {
    if (!fromOwnOrigin(req, originsOf(req))) return true;
    const held = cookie(req, FORM_COOKIE);
    return !held || !secretMatches(fields.get('form') ?? '', held);
  }

  /** A new session's cookies, home, and the end of any session this browser held before. */
  async function signedIn(req: IncomingMessage, res: ServerResponse, session: NewSession): Promise<void> {
    const before = cookie(req, SESSION_COOKIE);
    if (before) await sessions.signOut(before);
    setSessionCookie(res, session.token, { secure });
    setCsrfCookie(res, session.csrf, { secure });
    clearFormCookie(res, { secure });
    redirect(res, home);
  }

  async function postLogin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fields = await readForm(req);
    const name = (fields.get('name') ?? '').trim();
    if (formRefused(req, fields)) return html(res, 403, signInPage({ form: formToken(req, res), name, problem: FORM_STALE }));
    const result = await sessions.signIn(name, fields.get('password') ?? '', clientOf(req));
    if (result.ok) return signedIn(req, res, result);
    const page = signInPage({ form: formToken(req, res), name, problem: result.message });
    if (result.why === 'invalid') return html(res, 401, page);
    if (result.why === 'disabled') return html(res, 403, page);
    return html(res, 429, page, { 'retry-after': String(Math.ceil((result.retryAfterMs ?? 1000) / 1000)) });
  }

  async function postLogout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = cookie(req, SESSION_COOKIE);
    const session = await sessions.resolve(token);
    if (session) {
      // Another site's page must not sign the moderator out either: the CSRF token, in the header or the form.
      const header = req.headers[CSRF_HEADER];
      const given = typeof header === 'string' ? header : (await readForm(req).catch(() => new URLSearchParams())).get('csrf');
      if (!fromOwnOrigin(req, originsOf(req)) || !secretMatches(given ?? '', session.csrf)) {
        res.writeHead(403, { ...PAGE_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
        return void res.end('sign out from the desk (the request carried no CSRF token of this session)\n');
      }
      await sessions.signOut(token);
    }
    clearSessionCookies(res, { secure });
    redirect(res, '/login');
  }

  async function getEnrol(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const token = url.searchParams.get('token') ?? '';
    const link = await sessions.enrolment(token);
    if (!link) return html(res, 410, messagePage('This link does not work', LINK_GONE));
    html(res, 200, enrolPage({ form: formToken(req, res), token, account: link.account }));
  }

  async function postEnrol(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const fields = await readForm(req);
    const token = fields.get('token') ?? '';
    const link = await sessions.enrolment(token);
    if (!link) return html(res, 410, messagePage('This link does not work', LINK_GONE));
    const again = (status: number, problem: string) =>
      html(res, status, enrolPage({ form: formToken(req, res), token, account: link.account, problem }));
    if (formRefused(req, fields)) return again(403, FORM_STALE);
    const password = fields.get('password') ?? '';
    if (password !== (fields.get('confirm') ?? '')) return again(400, 'The two passwords are not the same.');
    const result = await sessions.enrol(token, password, clientOf(req));
    if (result.ok) return signedIn(req, res, result);
    if (result.why === 'link') return html(res, 410, messagePage('This link does not work', LINK_GONE));
    return again(400, result.message);
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    switch (url.pathname) {
      case SIGN_IN_CSS_PATH:
        if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(res, 'GET');
        res.writeHead(200, { ...PAGE_HEADERS, 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' });
        return void res.end(method === 'HEAD' ? undefined : SIGN_IN_CSS);
      case '/login':
        if (method === 'POST') return postLogin(req, res);
        if (method !== 'GET') return methodNotAllowed(res, 'GET, POST');
        if (await sessionOf(req, sessions)) return redirect(res, home);
        return html(res, 200, signInPage({ form: formToken(req, res) }));
      case '/logout':
        if (method !== 'POST') return methodNotAllowed(res, 'POST');
        return postLogout(req, res);
      case '/enrol':
        if (method === 'POST') return postEnrol(req, res);
        if (method !== 'GET') return methodNotAllowed(res, 'GET, POST');
        return getEnrol(req, res, url);
    }
  }

  return async (req, res, url) => {
    if (!SIGN_IN_PATHS.includes(url.pathname)) return false;
    try {
      await route(req, res, url);
    } catch (error) {
      if (!(error instanceof FormBodyError)) throw error;
      res.writeHead(error.status, { ...PAGE_HEADERS, 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`${error.message}\n`);
    }
    return true;
  };
}
