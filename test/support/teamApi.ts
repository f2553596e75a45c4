// Many moderators on one desk: the real team server (main/team/server.ts: the receiver, the
// service, query hosts, the writer's one connection, the sign-in gate with its sessions and CSRF
// tokens) in this process. A test names who calls ("maya:moderator"); that account is made (as
// an admin makes it), enrolled and signed in on first use, and every call carries its session's
// cookie and token, as its page would.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { isRole } from '../../shared/access.js';
import { openDatabase, type Db } from '../../main/store/db.js';
import { addAccount } from '../../main/team/accounts.js';
import { startTeamServer, type TeamServer } from '../../main/team/server.js';
import { Sessions } from '../../main/team/sessions.js';
import { createSignInRoutes, sessionOf } from '../../main/team/signInRoutes.js';
import { OPERATOR, PASSWORD } from './accounts.js';
import { heardEvents, type HeardEvents } from './heardEvents.js';
import { callbackUrl, postForm } from './http.js';
import { tempDir } from './tmp.js';

export interface Answer<T = unknown> {
  status: number;
  body: { ok: true; value: T; error?: undefined; conflict?: undefined } | { ok: false; error: string; conflict?: Record<string, unknown> };
}

export interface TeamApi {
  server: TeamServer;
  db: Db;
  dbPath: string;
  origin: string;
  /** A call as `who` ("maya:moderator", "lee:lead", "ada:admin"), over HTTP, as a page makes it. */
  call<T = unknown>(who: string, method: string, args?: object): Promise<Answer<T>>;
  /** The value of a call that must succeed. */
  value<T = unknown>(who: string, method: string, args?: object): Promise<T>;
  /** `count` abuse reports, delivered as the vendor does; answers their ids. */
  reportAbuse(count: number): Promise<number[]>;
  /** The live events another desk hears, from now on (ends with close). */
  listen(): Promise<HeardEvents>;
  close(): Promise<void>;
}

const abuseXml = (n: number) => `<?xml version='1.0' encoding='utf-8'?>
<abuse>
  <reportingUserID>reporter-${n}</reportingUserID>
  <abuserUserID>accused-${n % 7}</abuserUserID>
  <reason>Offensive</reason>
  <description><![CDATA[report number ${n}]]></description>
  <conversation><name><![CDATA[room-${n % 5}]]></name><messages>
    <entry type="msg"><timestamp>${Date.UTC(2025, 0, 1) + n * 1000}</timestamp><displayName><![CDATA[accused]]></displayName><userID invisible="false">accused-${n % 7}</userID><content><![CDATA[message ${n}]]></content></entry>
  </messages></conversation>
</abuse>
`;

export async function startTeamApi(): Promise<TeamApi> {
  const dbPath = join(tempDir(), 'omv.sqlite');
  const db = openDatabase(dbPath);
  const sessions = new Sessions(db);
  const routes = createSignInRoutes({ sessions, secure: false });
  const server = await startTeamServer({
    db,
    auth: {
      sessionOf: (req) => sessionOf(req, sessions),
      handlePages: (req, res, url) => routes(req, res, url),
      onSessionsEnded: (listener) => void sessions.onEnded(({ sessionIds }) => listener(sessionIds)),
    },
    listen: { host: '127.0.0.1', port: 0 },
    callbackSecrets: { everyDomain: 'vendor-secret', byDomain: new Map() },
    staticDir: tempDir(),
  });
  const origin = new URL(server.deskUrl).origin;
  let delivered = 0;
  const streams: AbortController[] = [];
  /** Each name's session, made on first use: "maya:moderator" is the account maya, a moderator. */
  const signedIn = new Map<string, Promise<{ cookie: string; csrf: string }>>();
  const sessionOfName = (who: string) => {
    const [name, role] = who.split(':');
    assert.ok(name && isRole(role), `the test names the actor of every call ("name:role"), not "${who}"`);
    let session = signedIn.get(who);
    if (!session) {
      session = (async () => {
        const link = addAccount(db, OPERATOR, name, role);
        const enrolled = await sessions.enrol(link.token, PASSWORD);
        if (!enrolled.ok) throw new Error(enrolled.message);
        return { cookie: `omv_session=${enrolled.token}`, csrf: enrolled.csrf };
      })();
      signedIn.set(who, session);
    }
    return session;
  };
  const headers = async (who: string) => {
    const session = await sessionOfName(who);
    return { origin, cookie: session.cookie, 'x-omv-csrf': session.csrf };
  };

  const api: TeamApi = {
    server,
    db,
    dbPath,
    origin,
    async call<T>(who: string, method: string, args: object = {}): Promise<Answer<T>> {
      const response = await fetch(`${origin}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await headers(who)) },
        body: JSON.stringify(args),
      });
      return { status: response.status, body: (await response.json()) as Answer<T>['body'] };
    },
    async value<T>(who: string, method: string, args: object = {}): Promise<T> {
      const answer = await api.call<T>(who, method, args);
      assert.ok(answer.body.ok, `${who} ${method} ${JSON.stringify(args)}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.value;
    },
    async reportAbuse(count) {
      const first = delivered;
      delivered += count;
      for (let n = first; n < first + count; n += 20) {
        const answers = await Promise.all(
          Array.from({ length: Math.min(20, first + count - n) }, (_, i) =>
            postForm(
              callbackUrl(server.callbackUrl, { function: 'reportAbuse', domainID: 'example.com', callID: `abuse-${n + i}` }),
              abuseXml(n + i),
            ),
          ),
        );
        for (const answer of answers) assert.equal(answer.status, 200, answer.text);
      }
      return db.prepare<[], number>('SELECT id FROM abuse_reports ORDER BY id').pluck().all().slice(first);
    },
    async listen() {
      const abort = new AbortController();
      streams.push(abort);
      const response = await fetch(`${origin}/api/events`, {
        headers: await headers('listener:moderator'),
        signal: abort.signal,
      });
      return heardEvents(response.body!);
    },
    async close() {
      for (const stream of streams) stream.abort();
      await server.close();
      sessions.close();
      db.close();
    },
  };
  return api;
}
