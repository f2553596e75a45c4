// The PostgreSQL store's two pools, typed apart. The writer's sessions commit synchronously
// (synchronous_commit=on: a COMMIT returns once the WAL is flushed), so a delivery answered 200
// after its commit is on disk — and, with a synchronous standby configured on the server
// (synchronous_standby_names), on the standby too: see commitConfirmed. The readers' sessions are read-only by default at the server
// (default_transaction_read_only: a plain write is refused; a session that asks for a read-write
// transaction could still get one, so the guarantee is the type, which has no write method), and
// a statement that runs too long is cancelled by the server (statement_timeout) where SQLite
// needs a query host to kill.
import { createRequire } from 'node:module';
import pg from 'pg';

/** int8 (ids, epoch ms, counts) as a JS number: every value this store writes is below 2^53. */
const INT8 = 20;
const numericTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 && format !== 'binary') return (text: string) => safeNumber(text);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

function safeNumber(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`a bigint beyond 2^53 came back from PostgreSQL: ${text}`);
  return value;
}

/** The password file lookup node-postgres makes (~/.pgpass, or $PGPASSFILE; none when PGPASSWORD is set). */
type PasswordFileLookup = (
  connection: { host?: string; port?: number; database?: string; user?: string },
  found: (password: string | undefined) => void,
) => void;
const passwordFile = createRequire(import.meta.url)('pgpass') as PasswordFileLookup;

/**
 * A session of omv's: the pools' (as their Client) and those opened alone. Two things differ from
 * node-postgres's own. A server that asks for a password none was given for (not in the URL, no
 * PGPASSWORD, no ~/.pgpass line) is told nothing, and the session fails saying where one goes:
 * node-postgres would answer SCRAM with none and fail with "client password must be a string". And
 * a session that fails while connecting lets go of its socket at once: node-postgres leaves it open
 * when the failure is its own (as that one), the server holds it until its authentication_timeout
 * (a minute), and the command that failed cannot exit until then.
 */
export class OmvSession extends pg.Client {
  constructor(config?: pg.ClientConfig) {
    super(config);
    // null: neither the URL nor PGPASSWORD gave one. node-postgres calls this only when the server asks.
    if ((this.password as string | null | undefined) == null) {
      const lookup = (connection: { host?: string; port?: number; database?: string; user?: string }) =>
        new Promise<string>((resolve, reject) =>
          passwordFile(connection, (found) =>
            found === undefined
              ? reject(
                  new Error(
                    `no password for ${connection.user ?? '?'}@${connection.host ?? '?'}: set PGPASSWORD, a ~/.pgpass line, or put it in the URL`,
                  ),
                )
              : resolve(found),
          ),
        );
      this.password = lookup as unknown as string;
    }
  }

  override connect(): Promise<pg.Client>;
  override connect(callback: (error: Error) => void): void;
  override connect(callback?: (error: Error) => void): Promise<pg.Client> | void {
    const letGo = (error: Error | null | undefined) => {
      if (error) this.connection.stream.destroy();
    };
    if (callback)
      return super.connect((error: Error) => {
        letGo(error);
        callback(error);
      });
    return super.connect().catch((error: unknown) => {
      letGo(error as Error);
      throw error;
    });
  }
}

/** A pool whose sessions may write: the store's writer (group commit, migrations, the audit chain). */
export interface WritePool {
  readonly kind: 'write';
  readonly pool: pg.Pool;
}

/** A session of the writer's, in a transaction: what a step that writes is handed. */
export type WriteSession = pg.ClientBase;

/**
 * Runs `work` in one transaction on a session of `pool` (the writer's): COMMIT after it — with
 * `confirmed`, one a synchronous standby must confirm (commitConfirmed) — or ROLLBACK when anything
 * throws, and the error thrown on. A session that cannot roll back (its server gone) is not handed
 * to the next caller: the pool drops it and connects afresh.
 */
export async function inWriteTransaction<T>(
  pool: pg.Pool,
  work: (session: WriteSession) => Promise<T>,
  { confirmed = false }: { confirmed?: boolean } = {},
): Promise<T> {
  const session = await pool.connect();
  let broken: Error | undefined;
  try {
    await session.query('BEGIN');
    const value = await work(session);
    if (confirmed) await commitConfirmed(session);
    else await session.query('COMMIT');
    return value;
  } catch (error) {
    // A refusal (a stale version, a name taken) leaves a healthy session once rolled back: it goes
    // back to the pool. Only one that cannot even roll back (its server gone) is dropped.
    await session.query('ROLLBACK').catch((failed: unknown) => {
      broken = failed instanceof Error ? failed : new Error(String(failed));
    });
    throw error;
  } finally {
    session.release(broken);
  }
}

/** A pool whose sessions cannot write (read-only transactions, enforced by the server). */
export interface ReadPool {
  readonly kind: 'read';
  readonly pool: pg.Pool;
}

export interface PgPoolOptions {
  /** Cancel a read that runs longer than this (ms). */
  readTimeoutMs?: number;
  /** Read sessions at once (the writer has its own). */
  readers?: number;
}

/**
 * A pool whose lost sessions do not take the process down. node-postgres emits 'error' on a
 * session whose server went away (killed, a failover, a restart) — and an 'error' nobody listens
 * for is an uncaught exception: the receiver would die with the primary. What the session was
 * doing fails on its own (its queries reject, so a group commit's deliveries are answered 503);
 * the pool drops it and connects afresh for the next.
 */
function resilient(pool: pg.Pool): pg.Pool {
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

export function openWritePool(url: string): WritePool {
  return {
    kind: 'write',
    pool: resilient(
      new pg.Pool({
        connectionString: url,
        Client: OmvSession,
        // Group commit holds two sessions at most (two groups written at once, groupCommit.ts); the
        // others serve the desks' changes (short transactions, some waiting on a row another desk
        // holds), the audit chain, migrations and imports' batches (an import's claim has a session
        // of its own, importDeliveries.ts): a delivery may wait for a session while they use them.
        max: 4,
        types: numericTypes,
        application_name: 'omv writer',
        options: '-c synchronous_commit=on -c client_encoding=UTF8',
      }),
    ),
  };
}

export function openReadPool(url: string, options: PgPoolOptions = {}): ReadPool {
  return {
    kind: 'read',
    pool: resilient(
      new pg.Pool({
        connectionString: url,
        Client: OmvSession,
        max: options.readers ?? 4,
        types: numericTypes,
        application_name: 'omv reader',
        options: `-c default_transaction_read_only=on -c statement_timeout=${Math.trunc(options.readTimeoutMs ?? 30_000)} -c client_encoding=UTF8`,
      }),
    ),
  };
}

/** A parameter list for a statement built in parts: `add(value)` answers its placeholder ($n). */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** PostgreSQL's text cannot hold U+0000: it becomes U+FFFD (SQLite keeps it; only URL-given fields can carry one). */
export function pgText<T extends string | null | undefined>(text: T): T {
  return (typeof text === 'string' && text.includes('\u0000') ? text.replace(/\u0000/g, '\uFFFD') : text) as T;
}

/**
 * COMMIT, and throw unless the server confirmed it fully. With a synchronous standby, a COMMIT
 * waits for the standby; a wait that is cancelled (pg_cancel_backend, a statement timeout) ends
 * the COMMIT as a success with only a WARNING that the transaction "has already committed locally,
 * but might not have been replicated to the standby". Taken as a success, a 200 would go out for a
 * delivery the standby may not have, and a failover would lose it. So that WARNING fails the
 * commit: the delivery is answered 503, and the vendor's retry finds it (a duplicate, whose own
 * commit waits for the standby again). Known by the server's routine name, which no translation
 * of its messages changes.
 */
/** The fields of a server's NOTICE/WARNING this code reads. */
interface ServerNotice {
  routine?: string;
  message?: string;
  detail?: string;
}

export async function commitConfirmed(session: pg.ClientBase): Promise<void> {
  const warnings: ServerNotice[] = [];
  const listen = (notice: ServerNotice) => warnings.push(notice);
  session.on('notice', listen);
  let answer: pg.QueryResult;
  try {
    answer = await session.query('COMMIT');
  } finally {
    session.off('notice', listen);
  }
  // A COMMIT of a transaction a failed statement aborted "succeeds", and answers ROLLBACK: nothing was stored.
  if (answer.command !== 'COMMIT')
    throw new Error(`the transaction was rolled back, not committed (PostgreSQL answered ${answer.command})`);
  const unconfirmed = warnings.find((notice) => notice.routine === 'SyncRepWaitForLSN');
  if (unconfirmed)
    throw new Error(
      `the synchronous standby did not confirm the commit (PostgreSQL: ${unconfirmed.message ?? 'WARNING'}${unconfirmed.detail ? `; ${unconfirmed.detail}` : ''})`,
    );
}
