// The channel servers over one PostgreSQL database talk on (api/neighbours.ts): NOTIFY to say,
// LISTEN on a session of its own to hear.
//
// Any role that may connect to the database may LISTEN and NOTIFY on any channel, so what is said
// is sealed (AES-256-GCM) with a key kept in the database's settings (made there, by PostgreSQL's
// own random source, so it is in no statement a log could keep), which only a role that may read
// that table has: another role hears nothing it can read and can say nothing a server takes. Each
// message carries its sender (a random id a process), a count and the time: a server's own
// messages come back to it and are dropped, and one heard before, or dated before this process
// began to listen, is not taken, so a message recorded off the channel cannot be played again.
//
// The session is kept, and watched: every 5 s the server says a probe to itself on it, and a probe
// not heard back by the second tick after (a network cut that leaves the connection looking open, a pooler
// that keeps LISTEN from working) counts as the session lost. A lost session is opened again, a
// little later each time up to 5 s, and once it listens again the listener is told it resumed
// (what was said meanwhile is lost).
import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { errorMessage } from '../../../shared/errorMessage.js';
import type { ServerChannel } from '../../api/neighbours.js';

const CHANNEL = 'omv_desk_news';
const KEY_SETTING = 'desk_news_key';
/** NOTIFY's payload is shorter than 8,000 bytes. */
const MAX_PAYLOAD_BYTES = 7999;
const SEALED = 'omv1:';
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5000;
/** A session up this long has recovered: the next loss is retried quickly again. */
const STEADY_MS = 60_000;
/** How often the session says a probe to itself; one unanswered two ticks on loses the session. */
const PROBE_MS = 5000;
const PROBE_TICKS = 2;
/** How far the servers' clocks may be apart: a message dated further off this one's is not taken. */
const CLOCKS_APART_MS = 30_000;
/**
 * A message dated this long before this process began to listen was said to others, and is played
 * again now (NOTIFY reaches those listening when it is said): one from a server whose clock is
 * further behind is not taken either, until this one has listened that much longer.
 */
const BEFORE_LISTENING_MS = 1000;

/** What goes sealed on the channel. */
interface Sealed {
  from: string;
  /** Counts the sender's messages: one not above the last heard from it is heard again, not new. */
  n: number;
  at: number;
  /** What the sender said; absent in a probe. */
  message?: string;
}

export interface NotifyChannel extends ServerChannel {
  close(): Promise<void>;
}

/** Opens the channel on the database at `url`: resolves once it listens, or rejects with why it could not. */
export async function openNotifyChannel(url: string, log: (line: string) => void = () => {}): Promise<NotifyChannel> {
  const me = randomUUID();
  let said = 0;
  /** Each sender's last count heard, and when: senders silent for a minute are forgotten. */
  const heardFrom = new Map<string, { n: number; at: number }>();
  let key: Buffer | null = null;
  let toldOfClocks = false;
  let toldOfKeys = false;
  let listeningSince = Infinity;
  let session: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  let retryMs = RETRY_FIRST_MS;
  let onMessage: (message: string) => void = () => {};
  let onResumed: () => void = () => {};

  const seal = (body: Sealed): string => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key!, iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(body), 'utf8'), cipher.final()]);
    return SEALED + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  };

  /** What `payload` says, if a server of this database sealed it and it is new; else null. */
  const unseal = (payload: string): Sealed | null => {
    if (!payload.startsWith(SEALED)) return null;
    const bytes = Buffer.from(payload.slice(SEALED.length), 'base64');
    if (bytes.length < 29) return null;
    let body: unknown;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key!, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      body = JSON.parse(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8'));
    } catch {
      // Not sealed with this database's key: another program's, or a server that read a key since replaced.
      if (!toldOfKeys)
        log(
          "omv: a message on the channel to the other servers was not sealed with this database's key, and was not taken; if the servers stop hearing each other, restart them",
        );
      toldOfKeys = true;
      return null;
    }
    if (typeof body !== 'object' || body === null) return null;
    const { from, n, at, message } = body as Partial<Sealed>;
    if (typeof from !== 'string' || !Number.isSafeInteger(n) || typeof at !== 'number') return null;
    if (message !== undefined && typeof message !== 'string') return null;
    if (at < listeningSince - BEFORE_LISTENING_MS) return null; // said before this process listened: played again
    if (Math.abs(Date.now() - at) > CLOCKS_APART_MS) {
      if (!toldOfClocks)
        log(
          "omv: a message from another server on this database was dated more than 30 s off this server's clock, and was not taken: set the servers' clocks right",
        );
      toldOfClocks = true;
      return null;
    }
    const last = heardFrom.get(from);
    if (last && n! <= last.n) return null; // heard already: played again
    heardFrom.set(from, { n: n!, at });
    return { from, n: n!, at, message };
  };

  /**
   * The key the servers of this database seal with, read anew each time the session opens (one
   * deleted to replace it is made again): made by the first to need it, from two random UUIDs
   * (gen_random_uuid draws on PostgreSQL's strong random source: 244 random bits).
   */
  const readKey = async (client: pg.Client): Promise<Buffer> => {
    await client.query(
      "INSERT INTO settings (key, value) VALUES ($1, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')) ON CONFLICT (key) DO NOTHING",
      [KEY_SETTING],
    );
    const { rows } = await client.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [KEY_SETTING]);
    return createHash('sha256').update(rows[0]!.value).digest();
  };

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
      // A sender silent this long: a message of theirs dated then is too old to take anyway.
      for (const [from, last] of heardFrom) if (Date.now() - last.at > 2 * CLOCKS_APART_MS) heardFrom.delete(from);
      const n = ++said;
      probe.n = n;
      probe.ticks = 0;
      client.query('SELECT pg_notify($1, $2)', [CHANNEL, seal({ from: me, n, at: Date.now() })]).catch((error: unknown) => {
        lost(client, errorMessage(error));
      });
    }, PROBE_MS);
    timer.unref();
    probe = { timer, n: null, ticks: 0 };
    steady = setTimeout(() => {
      retryMs = RETRY_FIRST_MS;
    }, STEADY_MS);
    steady.unref();
  };

  const heard = (payload: string) => {
    const body = unseal(payload);
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
    const client = new pg.Client({
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
      key = await readKey(client);
      await client.query(`LISTEN ${CHANNEL}`);
      listeningSince = Math.min(listeningSince, Date.now());
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
      const payload = seal({ from: me, n: ++said, at: Date.now(), message });
      if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) return false;
      const client = session;
      // Said while the channel is down: lost, and the listeners are told to read again once it is back.
      client?.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]).catch((error: unknown) => lost(client, errorMessage(error)));
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
