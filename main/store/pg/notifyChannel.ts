// The channel servers over one PostgreSQL database talk on (api/neighbours.ts): NOTIFY to say,
// LISTEN on a session of its own to hear. Each message goes with this process's id, so its own
// come back to it and are dropped. The listening session is kept: when it is lost (the server
// restarted, a failover, a network cut) it is opened again, a little later each time up to 5 s,
// and once it listens again the listener is told it resumed (what was said meanwhile is lost).
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { errorMessage } from '../../../shared/errorMessage.js';
import type { ServerChannel } from '../../api/neighbours.js';

const CHANNEL = 'omv_desk_news';
/** NOTIFY carries under 8,000 bytes; the envelope (the sender's id) takes some. */
const MAX_MESSAGE_BYTES = 7800;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5000;

interface Envelope {
  from: string;
  message: string;
}

export interface NotifyChannel extends ServerChannel {
  close(): Promise<void>;
}

/** Opens the channel on the database at `url`: resolves once it listens, or rejects with why it could not. */
export async function openNotifyChannel(url: string, log: (line: string) => void = () => {}): Promise<NotifyChannel> {
  const me = randomUUID();
  let session: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  let retryMs = RETRY_FIRST_MS;
  let onMessage: (message: string) => void = () => {};
  let onResumed: () => void = () => {};

  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url, application_name: 'omv neighbours', keepAlive: true });
    const lost = (error?: Error) => {
      if (session !== client) return; // not listening yet (connect's caller hears why), or replaced already
      log(`omv: the channel to the other servers on this database was lost (${error ? errorMessage(error) : 'closed'}); reopening it`);
      session = null;
      void client.end().catch(() => undefined);
      if (!closed) scheduleRetry();
    };
    client.on('notification', ({ channel, payload }) => {
      if (channel !== CHANNEL || payload === undefined) return;
      let envelope: Envelope;
      try {
        envelope = JSON.parse(payload) as Envelope;
      } catch {
        return; // not one of ours
      }
      if (envelope.from !== me && typeof envelope.message === 'string') onMessage(envelope.message);
    });
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (closed) await client.end().catch(() => undefined);
    else session = client;
  };

  const scheduleRetry = () => {
    if (retry) return;
    retry = setTimeout(() => {
      retry = null;
      connect().then(
        () => {
          retryMs = RETRY_FIRST_MS;
          if (session) {
            log('omv: the channel to the other servers on this database is open again');
            onResumed();
          }
        },
        () => {
          retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
          if (!closed) scheduleRetry();
        },
      );
    }, retryMs);
    retry.unref();
  };

  await connect();
  return {
    maxMessageBytes: MAX_MESSAGE_BYTES,
    say(message) {
      session
        ?.query('SELECT pg_notify($1, $2)', [CHANNEL, JSON.stringify({ from: me, message } satisfies Envelope)])
        .catch(() => undefined);
    },
    listen(message, resumed) {
      onMessage = message;
      onResumed = resumed;
    },
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const open = session;
      session = null;
      await open?.end().catch(() => undefined);
    },
  };
}
