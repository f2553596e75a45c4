// Team server accounts for tests: a database of its own, a clock the test moves, accounts made
// the way an admin makes them (omv users add, then the enrolment link), and the sign-in routes
// on a real node:http (or node:https) server on 127.0.0.1.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after } from 'node:test';
import type { Actor, Role } from '../../shared/access.js';
import { openDatabase, type Db } from '../../main/store/db.js';
import { addAccount } from '../../main/team/accounts.js';
import { checkCsrf } from '../../main/team/csrf.js';
import { Sessions, type SessionPolicy } from '../../main/team/sessions.js';
import { createSignInRoutes, sessionOf } from '../../main/team/signInRoutes.js';
import { testCertificate } from './tls.js';
import { tempDir } from './tmp.js';

/** Who adds accounts in tests: the operator at the command line. */
export const OPERATOR: Actor = { name: 'op-olga', role: 'admin', via: 'operator' };

export const PASSWORD = 'correct horse battery staple';

/** A clock that moves only when told. */
export class Clock {
  constructor(public time = Date.now()) {}
  readonly now = () => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface TeamStore {
  db: Db;
  path: string;
  clock: Clock;
  sessions: Sessions;
}

export function teamStore(policy: Partial<SessionPolicy> = {}): TeamStore {
  const path = join(tempDir('omv-team-'), 'omv.sqlite');
  const db = openDatabase(path);
  const clock = new Clock();
  return { db, path, clock, sessions: new Sessions(db, { now: clock.now, policy }) };
}

/** An account that enrolled with `password` (its enrolment session signed out again). */
export async function enrolled(store: TeamStore, name: string, role: Role = 'moderator', password = PASSWORD): Promise<void> {
  const link = addAccount(store.db, OPERATOR, name, role, { now: store.clock.now() });
  const result = await store.sessions.enrol(link.token, password);
  if (!result.ok) throw new Error(`enrolment failed: ${result.message}`);
  await store.sessions.signOut(result.token);
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Set-Cookie headers by cookie name. */
  setCookies: Map<string, string>;
}

export interface Team {
  base: string;
  store: TeamStore;
  request(method: string, path: string, options?: { headers?: Record<string, string>; body?: string }): Promise<Answer>;
}

/** The desk's API as the team server guards it: a session (401 without), and its CSRF token on a write (403 without). */
function deskApi(store: TeamStore) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const session = await sessionOf(req, store.sessions);
    if (!session) return res.writeHead(401).end('sign in\n');
    if (!checkCsrf(req, session)) return res.writeHead(403).end('no CSRF token of this session\n');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: session.actor.name, method: req.method }));
  };
}

export async function teamServer({ tls = false }: { tls?: boolean } = {}): Promise<Team> {
  const store = teamStore();
  const routes = createSignInRoutes({ sessions: store.sessions, secure: tls });
  const api = deskApi(store);
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://placeholder');
    routes(req, res, url).then(
      (answered) => {
        if (answered) return;
        if (url.pathname.startsWith('/api/')) return api(req, res);
        res.writeHead(url.pathname === '/' ? 200 : 404).end(url.pathname === '/' ? 'the desk\n' : 'not found\n');
      },
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  };
  const certificate = tls ? testCertificate() : undefined;
  const server = certificate ? https.createServer(certificate, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  const base = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const request: Team['request'] = (method, path, { headers = {}, body } = {}) =>
    new Promise((resolve, reject) => {
      const send = tls ? https.request : http.request;
      const req = send(`${base}${path}`, { method, headers, ...(certificate ? { ca: certificate.cert } : {}) }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const setCookies = new Map<string, string>();
          for (const line of res.headers['set-cookie'] ?? []) setCookies.set(line.slice(0, line.indexOf('=')), line);
          resolve({ status: res.statusCode!, headers: res.headers, body: text, setCookies });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  return { base, store, request };
}
