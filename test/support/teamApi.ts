// Many moderators on one desk, before sign-in exists: the real app (startApp: the receiver, the
// service, query hosts on worker threads, the writer's one connection) with the real viewer
// handler on a listener of its own, whose actor is named per request by a header the test sends
// ("maya:moderator"). Everything from the HTTP request to the SQLite file is the real path; only
// who is asking comes from the test instead of a session.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { isRole, type Actor } from '../../shared/access.js';
import { startApp, type App } from '../../main/app.js';
import { openDatabase, type Db } from '../../main/store/db.js';
import { createViewerHandler } from '../../main/viewer/http.js';
import { callbackUrl, postForm } from './http.js';
import { tempDir } from './tmp.js';

const ACTOR_HEADER = 'x-test-actor';

export interface Answer<T = unknown> {
  status: number;
  body: { ok: true; value: T; error?: undefined; conflict?: undefined } | { ok: false; error: string; conflict?: Record<string, unknown> };
}

export interface TeamApi {
  app: App;
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
  listen(): Promise<{
    events: Array<Record<string, unknown>>;
    next(match: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  }>;
  close(): Promise<void>;
}

function actorOf(req: IncomingMessage): Actor {
  const [name, role] = String(req.headers[ACTOR_HEADER] ?? '').split(':');
  assert.ok(name && isRole(role), `the test names the actor of every call ("name:role"), not "${String(req.headers[ACTOR_HEADER])}"`);
  return { name, role, via: 'account' };
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
  const app = await startApp({ db, port: 0, viewer: false, log: () => undefined });
  const secret = randomBytes(18).toString('base64url');
  let host = '';
  const handler = createViewerHandler({
    service: app.service,
    events: app.events,
    staticDir: tempDir(),
    secret,
    hosts: () => [host],
    actorFor: actorOf,
    logError: () => undefined,
  });
  const server = createServer((req, res) => void handler(req, res, new URL(req.url ?? '/', `http://${host}`)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  const origin = `http://${host}`;
  let delivered = 0;
  const streams: AbortController[] = [];

  const api: TeamApi = {
    app,
    db,
    dbPath,
    origin,
    async call<T>(who: string, method: string, args: object = {}): Promise<Answer<T>> {
      const response = await fetch(`${origin}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-omv-key': secret, [ACTOR_HEADER]: who },
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
              callbackUrl(app.receiver!.callbackUrl, { function: 'reportAbuse', domainID: 'example.com', callID: `abuse-${n + i}` }),
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
        headers: { 'x-omv-key': secret, [ACTOR_HEADER]: 'listener:moderator' },
        signal: abort.signal,
      });
      const events: Array<Record<string, unknown>> = [];
      const waiting: Array<{ match: (event: Record<string, unknown>) => boolean; resolve: (event: Record<string, unknown>) => void }> = [];
      const seen = (event: Record<string, unknown>) => {
        events.push(event);
        for (const w of waiting.splice(0))
          if (w.match(event)) w.resolve(event);
          else waiting.push(w);
      };
      void (async () => {
        let buffered = '';
        try {
          const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
          for (let read = await reader.read(); !read.done; read = await reader.read()) {
            buffered += read.value;
            for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n')) {
              const data = buffered
                .slice(0, end)
                .split('\n')
                .find((line) => line.startsWith('data: '));
              buffered = buffered.slice(end + 2);
              if (data) seen(JSON.parse(data.slice('data: '.length)) as Record<string, unknown>);
            }
          }
        } catch {
          // closed by close()
        }
      })();
      return {
        events,
        // An event that never comes fails the test (after a wait no healthy loopback comes near) instead of hanging the run.
        next: (match) =>
          new Promise((resolve, reject) => {
            const found = events.find(match);
            if (found) return resolve(found);
            const timer = setTimeout(() => reject(new Error(`no such event came; heard ${JSON.stringify(events)}`)), 30_000);
            waiting.push({
              match,
              resolve: (event) => {
                clearTimeout(timer);
                resolve(event);
              },
            });
          }),
      };
    },
    async close() {
      for (const stream of streams) stream.abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
      db.close();
    },
  };
  return api;
}
