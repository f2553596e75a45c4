// The channel servers over one PostgreSQL database talk on (api/neighbours.ts): NOTIFY to say,
// LISTEN on a session of its own to hear. What goes on it is sealed (sealedNews.ts): any role that
// may connect may listen and post there. A server hears its own messages too: its probes are
// counted as heard, the rest dropped.
//
// The session is kept, and watched: every 5 s the server says a probe to itself on it, and a probe
// not heard back by the second tick after (a network cut that leaves the connection looking open, a
// pooler that keeps LISTEN from working) counts as the session lost. A lost session is opened
// again, a little later each time up to 5 s, and once it listens again the listener is told it
// resumed (what was said meanwhile is lost).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { errorMessage } from '../../../shared/errorMessage.js';
import type { ServerChannel } from '../../api/neighbours.js';
import { OmvSession } from './connection.js';
import { readSealKey, SealedNews } from './sealedNews.js';

const CHANNEL = 'omv_desk_news';
/** NOTIFY's payload is shorter than 8,000 bytes. */
const MAX_PAYLOAD_BYTES = 7999;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5000;
/** A session up this long has recovered: the next loss is retried quickly again. */
const STEADY_MS = 60_000;
/** How often the session says a probe to itself; one unanswered two ticks on loses the session. */
const PROBE_MS = 5000;
const PROBE_TICKS = 2;

export interface NotifyChannel extends ServerChannel {
  close(): Promise<void>;
}

/** Opens the channel on the database at `url`: resolves once it listens, or rejects with why it could not. */
export async function openNotifyChannel(url: string, log: (line: string) => void = () => {}): Promise<NotifyChannel> {
  const me = randomUUID();
  let said = 0;
  const news = new SealedNews(log);
  let session: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  let retryMs = RETRY_FIRST_MS;
  let onMessage: (message: string) => void = () => {};
  let onResumed: () => void = () => {};

  /** The session's watch: the probe said and not yet heard back (null: none), and the ticks since it was said. */
  let probe: { timer: NodeJS.Timeout; n: number | null; ticks: number } | null = null;
  let steady: NodeJS.Timeout | null = null;

  const stopWatching = () => {
    if (probe) clearInterval(probe.timer);
    if (steady) clearTimeout(steady);
    probe = null;
    steady = null;
  };

  const lost = (client: pg.Client, why: string) => {
    if (session !== client) return; // not listening yet (connect's caller hears why), or replaced already
    log(`omv: the channel to the other servers on this database was lost (${why}); reopening it`);
    session = null;
    stopWatching();
    void client.end().catch(() => undefined);
    if (!closed) scheduleRetry();
  };

  /** Says `payload` on the channel from `client`'s session: a session that cannot is lost. */
  const notify = (client: pg.Client, payload: string) => {
    client.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]).catch((error: unknown) => lost(client, errorMessage(error)));
  };

  /**
   * Says a probe to itself every PROBE_MS; one not heard back PROBE_TICKS ticks on loses the
   * session. A tick runs before the replies that came meanwhile are read (after a busy spell, say),
   * so an unanswered probe is judged once those have been read (setImmediate).
   */
  const watch = (client: pg.Client) => {
    const timer = setInterval(() => {
      if (!probe) return;
      if (probe.n !== null) {
        if (++probe.ticks >= PROBE_TICKS)
          setImmediate(() => {
            if (probe?.n != null) lost(client, `a probe was not heard back within ${(PROBE_MS * PROBE_TICKS) / 1000} s`);
          });
        return;
      }
      news.forgetSilent();
      const n = ++said;
      probe.n = n;
      probe.ticks = 0;
      notify(client, news.seal({ from: me, n, at: Date.now() }));
    }, PROBE_MS);
    timer.unref();
    probe = { timer, n: null, ticks: 0 };
    steady = setTimeout(() => {
      retryMs = RETRY_FIRST_MS;
    }, STEADY_MS);
    steady.unref();
  };

  const heard = (payload: string) => {
    const body = news.open(payload);
    if (body === null) return;
    if (body.from === me) {
      if (probe && body.message === undefined && body.n === probe.n) probe.n = null;
      return;
    }
    if (body.message === undefined) return; // another server's probe
    try {
      onMessage(body.message);
    } catch (error) {
      log(`omv: a message from another server could not be passed on (${errorMessage(error)})`);
    }
  };

  const connect = async (): Promise<void> => {
    const client = new OmvSession({
      connectionString: url,
      application_name: 'omv neighbours',
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 10_000,
    });
    client.on('notification', ({ channel, payload }) => {
      if (channel === CHANNEL && payload !== undefined) heard(payload);
    });
    client.on('error', (error) => lost(client, errorMessage(error)));
    client.on('end', () => lost(client, 'closed'));
    try {
      await client.connect();
      news.useKey(await readSealKey(client));
      await client.query(`LISTEN ${CHANNEL}`);
      news.listening();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (closed) await client.end().catch(() => undefined);
    else {
      session = client;
      watch(client);
    }
  };

  const scheduleRetry = () => {
    if (retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect().then(
        () => {
          if (session) {
            log('omv: the channel to the other servers on this database is open again');
            onResumed();
          }
        },
        () => {
          if (!closed) scheduleRetry();
        },
      );
    }, retryMs);
    retry.unref();
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  };

  await connect();
  return {
    say(message) {
      const payload = news.seal({ from: me, n: ++said, at: Date.now(), message });
      if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) return false;
      const client = session;
      // Said while the channel is down: lost, and the listeners are told to read again once it is back.
      if (client) notify(client, payload);
      return true;
    },
    listen(message, resumed) {
      onMessage = message;
      onResumed = resumed;
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      stopWatching();
      const open = session;
      session = null;
      await open?.end().catch(() => undefined);
    },
  };
}
