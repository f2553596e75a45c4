// What servers over one PostgreSQL database say to each other on their channel (notifyChannel.ts),
// sealed. Any role that may connect to the database may LISTEN and NOTIFY on any channel, so each
// message is sealed (AES-256-GCM) with a key kept in the database's settings, made there by
// PostgreSQL's own random source (so it is in no statement a log could keep), which only a role
// that may read that table has: another role hears nothing it can read and can say nothing a
// server takes. Each message carries its sender (a random id a process), a count and the time: one
// heard before, or dated before this process began to listen, is not taken, so a message recorded
// off the channel cannot be played again.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';

const KEY_SETTING = 'desk_news_key';
const SEALED = 'omv1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** How far the servers' clocks may be apart: a message dated further off this one's is not taken. */
const CLOCKS_APART_MS = 30_000;
/**
 * A message dated this long before this process began to listen was said to others, and is played
 * again now (NOTIFY reaches those listening when it is said): one from a server whose clock is
 * further behind is not taken either, until this one has listened that much longer.
 */
const BEFORE_LISTENING_MS = 1000;

/** What goes sealed on the channel. */
export interface Sealed {
  /** The sender: a random id a process. */
  from: string;
  /** Counts the sender's messages: one not above the last heard from it is heard again, not new. */
  n: number;
  /** When it was said, by the sender's clock. */
  at: number;
  /** What the sender said; absent in a probe. */
  message?: string;
}

/**
 * The key the servers of this database seal with, read anew each time a session opens (one
 * deleted to replace it is made again): made by the first to need it, from two random UUIDs
 * (gen_random_uuid draws on PostgreSQL's strong random source: 244 random bits).
 */
export async function readSealKey(client: pg.ClientBase): Promise<Buffer> {
  await client.query(
    "INSERT INTO settings (key, value) VALUES ($1, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')) ON CONFLICT (key) DO NOTHING",
    [KEY_SETTING],
  );
  const { rows } = await client.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [KEY_SETTING]);
  return createHash('sha256').update(rows[0]!.value).digest();
}

export class SealedNews {
  private key: Buffer | null = null;
  private listeningSince = Infinity;
  /** Each sender's last count heard, and when. */
  private readonly heardFrom = new Map<string, { n: number; at: number }>();
  private toldOfKeys = false;
  private toldOfClocks = false;

  constructor(private readonly log: (line: string) => void) {}

  useKey(key: Buffer): void {
    this.key = key;
  }

  /** This process listens from now on (the first time counts). */
  listening(): void {
    this.listeningSince = Math.min(this.listeningSince, Date.now());
  }

  seal(body: Sealed): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key!, iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(body), 'utf8'), cipher.final()]);
    return SEALED + Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  /** What `payload` says, if a server of this database sealed it and it is new; else null. */
  open(payload: string): Sealed | null {
    if (!payload.startsWith(SEALED)) return null;
    const bytes = Buffer.from(payload.slice(SEALED.length), 'base64');
    if (bytes.length <= IV_BYTES + TAG_BYTES) return null;
    let body: unknown;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key!, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      body = JSON.parse(Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8'));
    } catch {
      // Not sealed with this database's key: another program's, or a server that read a key since replaced.
      this.tellOnce(
        'toldOfKeys',
        "a message on the channel to the other servers was not sealed with this database's key, and was not taken; if the servers stop hearing each other, restart them",
      );
      return null;
    }
    if (typeof body !== 'object' || body === null) return null;
    const { from, n, at, message } = body as Partial<Sealed>;
    if (typeof from !== 'string' || !Number.isSafeInteger(n) || typeof at !== 'number') return null;
    if (message !== undefined && typeof message !== 'string') return null;
    if (at < this.listeningSince - BEFORE_LISTENING_MS) return null; // said before this process listened: played again
    if (Math.abs(Date.now() - at) > CLOCKS_APART_MS) {
      this.tellOnce(
        'toldOfClocks',
        "a message from another server on this database was dated more than 30 s off this server's clock, and was not taken: set the servers' clocks right",
      );
      return null;
    }
    const last = this.heardFrom.get(from);
    if (last && n! <= last.n) return null; // heard already: played again
    this.heardFrom.set(from, { n: n!, at });
    return { from, n: n!, at, message };
  }

  /** Forgets senders silent for a minute: a message of theirs dated then is too old to take anyway. */
  forgetSilent(): void {
    for (const [from, last] of this.heardFrom) if (Date.now() - last.at > 2 * CLOCKS_APART_MS) this.heardFrom.delete(from);
  }

  private tellOnce(told: 'toldOfKeys' | 'toldOfClocks', line: string): void {
    if (!this[told]) this.log(`omv: ${line}`);
    this[told] = true;
  }
}
