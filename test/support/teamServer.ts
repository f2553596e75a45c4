// A real `omv serve --team` for tests: a database with accounts that enrolled (as an admin makes
// them, then their enrolment links), the server as a child process, and moderators signing in
// through its /login form over HTTP(S), as a browser does.
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import type { Role } from '../../shared/access.js';
import { openDatabase } from '../../main/store/db.js';
import { pgAccountStore } from '../../main/store/pg/accounts.js';
import { openPgEngine } from '../../main/store/pg/engine.js';
import { sqliteAccountStore, type AccountStore } from '../../main/team/accountStore.js';
import { Sessions } from '../../main/team/sessions.js';
import type { DeskEngine } from './desk.js';
import { query, startPostgres, type PgCluster } from './postgres.js';
import { OPERATOR, PASSWORD } from './accounts.js';
import { omvServe, type ServeProcess } from './cli.js';
import { testCertificate } from './tls.js';
import { tempDir } from './tmp.js';

export { testCertificate };

export { PASSWORD };

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  cookies: Map<string, string>;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: string;
  /** Send from this local address (127.0.0.2…): the allow-list's view of who calls. */
  localAddress?: string;
}

/** One HTTP(S) request, trusting the test's own certificate. */
export function request(
  url: string,
  method: string,
  { headers = {}, body, localAddress }: RequestOptions = {},
  ca?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? https.request : http.request;
    const req = send(url, { method, headers, localAddress, ...(ca ? { ca } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const cookies = new Map<string, string>();
        for (const line of res.headers['set-cookie'] ?? []) cookies.set(line.slice(0, line.indexOf('=')), line);
        resolve({ status: res.statusCode!, headers: res.headers, body: text, cookies });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const valueOf = (setCookie: string | undefined) => setCookie?.slice(setCookie.indexOf('=') + 1).split(';')[0] ?? '';

/** A signed-in moderator: the cookie header their browser sends, and the token their page sends on writes. */
export interface Signed {
  name: string;
  cookie: string;
  csrf: string;
  session: string;
}

export interface TeamServerProcess {
  base: string;
  store: TeamStore;
  /** The SQLite file ('' on PostgreSQL: see store). */
  dbPath: string;
  serve: ServeProcess;
  callbackUrl: string;
  ca?: string;
  /** Signs `name` in through /login, as a browser does. */
  signIn(name: string, password?: string): Promise<Signed>;
  /** A desk API call as the page makes it (its cookie, its token, its origin). */
  call(who: Signed | null, method: string, args?: object, headers?: Record<string, string>): Promise<Answer>;
}

/** A team's store for a test: a SQLite file, or a database of its own in this file's PostgreSQL cluster. */
export interface TeamStore {
  engine: DeskEngine;
  /** How the CLI names it: --db FILE, or --store postgres://…. */
  storeArgs: string[];
  /** The SQLite file; null on PostgreSQL. */
  dbPath: string | null;
  /** postgres://… on PostgreSQL; null on SQLite. */
  url: string | null;
  /** One statement on the store, beside the server (placeholders `?`, as SQLite has them). */
  rows<T extends Record<string, unknown>>(sql: string, values?: unknown[]): Promise<T[]>;
  /** The audit trail, oldest first, its details parsed. */
  audit(): Promise<Array<{ moderator: string; action: string; details: Record<string, unknown> }>>;
}

let cluster: Promise<PgCluster> | null = null;
let databases = 0;

/**
 * A new database in this test file's cluster, started at the first; stopped when the file's process
 * exits (manualStop: an `after` would stop it after whichever test happened to start it).
 */
export async function pgDatabase(): Promise<string> {
  cluster ??= startPostgres({ manualStop: true });
  const { url } = await cluster;
  const name = `team_${++databases}`;
  await query(url, `CREATE DATABASE ${name}`);
  const own = new URL(url);
  own.pathname = `/${name}`;
  return own.toString();
}

/** `sql` with SQLite's `?` placeholders as PostgreSQL's $1, $2…. */
const numbered = (sql: string) => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/** Accounts that enrolled with PASSWORD, in a fresh store of `engine`. */
export async function teamDatabase(
  accounts: Record<string, Role>,
  { engine = 'sqlite', dir }: { engine?: DeskEngine; dir?: string } = {},
): Promise<TeamStore> {
  const enrol = async (store: AccountStore, sessions: Sessions) => {
    for (const [name, role] of Object.entries(accounts)) {
      const link = await store.add(OPERATOR, name, role);
      const enrolled = await sessions.enrol(link.token, PASSWORD);
      if (!enrolled.ok) throw new Error(enrolled.message);
      await sessions.signOut(enrolled.token);
    }
    sessions.close();
  };
  if (engine === 'postgres') {
    const url = await pgDatabase();
    const pgEngine = await openPgEngine(url);
    try {
      const store = pgAccountStore(pgEngine.writes.writer.pool);
      await enrol(store, new Sessions(store));
    } finally {
      await pgEngine.close();
    }
    return {
      engine,
      storeArgs: ['--store', url],
      dbPath: null,
      url,
      rows: (sql, values = []) => query(url, numbered(sql), values),
      audit: async () =>
        (
          await query<{ moderator: string; action: string; details: string }>(
            url,
            'SELECT moderator, action, details FROM audit_log ORDER BY id',
          )
        ).map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> })),
    };
  }
  const dbPath = join(dir ?? tempDir('omv-team-'), 'omv.sqlite');
  const db = openDatabase(dbPath);
  const store = sqliteAccountStore(db);
  await enrol(store, new Sessions(store));
  db.close();
  const rows = async <T>(sql: string, values: unknown[] = []): Promise<T[]> => {
    const open = openDatabase(dbPath);
    try {
      const statement = open.prepare(sql);
      return statement.reader ? (statement.all(...values) as T[]) : (statement.run(...values), []);
    } finally {
      open.close();
    }
  };
  return {
    engine,
    storeArgs: ['--db', dbPath],
    dbPath,
    url: null,
    rows,
    audit: async () =>
      (
        await rows<{ moderator: string; action: string; details: string }>('SELECT moderator, action, details FROM audit_log ORDER BY id')
      ).map((row) => ({ ...row, details: JSON.parse(row.details) as Record<string, unknown> })),
  };
}

export async function startTeam(
  store: TeamStore,
  {
    args = [],
    tls = false,
    secret = 'vendor-secret',
    killAfterTest = true,
  }: { args?: string[]; tls?: boolean; secret?: string; killAfterTest?: boolean } = {},
): Promise<TeamServerProcess> {
  const cert = tls ? testCertificate() : undefined;
  const tlsArgs = cert ? ['--tls-cert', join(cert.dir, 'cert.pem'), '--tls-key', join(cert.dir, 'key.pem')] : [];
  // omvServe adds --port 0, which the team server does not take: it listens where --listen says.
  const serve = await omvServeTeam([...store.storeArgs, '--quiet', '--callback-secret', secret, ...tlsArgs, ...args], killAfterTest);
  const base = /team desk at (\S+?)\/?\s/.exec(serve.output())![1]!;
  // The URL for every domain, else (secrets for named domains only) the first domain's.
  const callbackUrl = /receiving callbacks (?:for domainID \S+ )?at (\S+)/.exec(serve.output())![1]!;
  const ca = cert?.cert;
  const origin = new URL(base).origin;
  return {
    base,
    store,
    dbPath: store.dbPath ?? '',
    serve,
    callbackUrl,
    ca,
    async signIn(name, password = PASSWORD) {
      const page = await request(`${base}/login`, 'GET', {}, ca);
      const form = /name="form" value="([^"]+)"/.exec(page.body)![1]!;
      const formCookie = [...page.cookies.values()].map((line) => line.split(';')[0]).join('; ');
      const answer = await request(
        `${base}/login`,
        'POST',
        {
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: formCookie, origin, 'sec-fetch-site': 'same-origin' },
          body: new URLSearchParams({ name, password, form }).toString(),
        },
        ca,
      );
      if (answer.status !== 303 || !answer.cookies.has('omv_session'))
        throw new Error(`${name} could not sign in: ${answer.status} ${answer.body}`);
      const session = valueOf(answer.cookies.get('omv_session'));
      const csrf = valueOf(answer.cookies.get('omv_csrf'));
      return { name, cookie: `omv_session=${session}`, csrf, session };
    },
    call(who, method, args = {}, headers = {}) {
      return request(
        `${base}/api/${method}`,
        'POST',
        {
          headers: {
            'content-type': 'application/json',
            origin,
            'sec-fetch-site': 'same-origin',
            ...(who ? { cookie: who.cookie, 'x-omv-csrf': who.csrf } : {}),
            ...headers,
          },
          body: JSON.stringify(args),
        },
        ca,
      );
    },
  };
}

/** `omv serve --team …` until it prints its desk's address. */
async function omvServeTeam(args: string[], killAfterTest: boolean): Promise<ServeProcess> {
  const listen = args.includes('--listen') ? [] : ['--listen', '127.0.0.1:0'];
  return omvServe(['--team', ...listen, ...args], { withPort: false, killAfterTest });
}
