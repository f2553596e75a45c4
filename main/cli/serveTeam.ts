// omv serve --team: one receiver and one desk for a team of moderators, each signed in with an
// account of their own (main/team/). Settings come from --config FILE (TOML or JSON: every flag,
// without its dashes, as a key) and the flags, which win.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { errorMessage } from '../../shared/errorMessage.js';
import { DEFAULT_QUERY_TIMEOUT_MS } from '../api/queryPool.js';
import { DEFAULT_MAX_BODY_BYTES } from '../intake/receiver/server.js';
import { isLoopbackHost } from '../net/access.js';
import { CallbackSecretError, parseCallbackSecrets } from '../net/callbackSecrets.js';
import { parseListen, readTeamSettings, TeamConfigError, withFlags, type TeamSettings } from '../team/config.js';
import { addressList, requestContext, startTeamServer, type TeamAuth, type TeamStoreOptions } from '../team/server.js';
import { sqliteAccountStore, type AccountStore } from '../team/accountStore.js';
import { pgAccountStore } from '../store/pg/accounts.js';
import { openWritePool } from '../store/pg/connection.js';
import { isPostgresUrl } from '../store/pg/storeUrl.js';
import { openStoreEngine } from './pgStore.js';
import { pgCore, shownStoreUrl, standbyLine } from './servePostgres.js';
import { Sessions } from '../team/sessions.js';
import { createSignInRoutes, sessionOf } from '../team/signInRoutes.js';
import { chosenStore, openDatabaseFor, parseByteSize, parsePositiveSeconds, UsageError } from './common.js';
import { forTerminal } from '../../shared/visibleText.js';
import { checkBeside, untilStopped } from './serving.js';
import { announceReceiver } from './receiving.js';

import { DEFAULT_TEAM_LISTEN } from './usage.js';

function resolveSettings(args: string[]): TeamSettings {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      db: { type: 'string' },
      store: { type: 'string' },
      listen: { type: 'string' },
      'callback-listen': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'trusted-proxy': { type: 'string', multiple: true, default: [] },
      'public-url': { type: 'string' },
      'callback-secret': { type: 'string', multiple: true, default: [] },
      'callback-allow': { type: 'string', multiple: true, default: [] },
      'max-body': { type: 'string' },
      'query-timeout': { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  const { config, ...flags } = values;
  try {
    const file = config ? readTeamSettings(config) : {};
    // The store is one setting in two spellings: --db or --store on the command line replaces the file's either.
    if (flags.db !== undefined || flags.store !== undefined) {
      delete file.db;
      delete file.store;
    }
    return withFlags(file, flags);
  } catch (error) {
    throw error instanceof TeamConfigError ? new UsageError(error.message) : error;
  }
}

export async function serveTeam(args: string[]): Promise<number> {
  const settings = resolveSettings(args);
  const usage = (message: string) => new UsageError(message);
  let listen: { host: string; port: number };
  let callbackListen: { host: string; port: number } | null;
  try {
    listen = parseListen('--listen', settings.listen ?? DEFAULT_TEAM_LISTEN);
    callbackListen = settings['callback-listen'] ? parseListen('--callback-listen', settings['callback-listen']) : null;
  } catch (error) {
    throw usage(errorMessage(error));
  }
  if (Boolean(settings['tls-cert']) !== Boolean(settings['tls-key'])) throw usage('--tls-cert and --tls-key go together');
  const tls = settings['tls-cert'] ? { cert: readFileSync(settings['tls-cert']), key: readFileSync(settings['tls-key']!) } : null;
  const trustedProxies = settings['trusted-proxy'] ?? [];
  // Passwords and session cookies cross the network only encrypted: here, or at a proxy before us.
  if (!isLoopbackHost(listen.host) && !tls && trustedProxies.length === 0)
    throw usage(
      `refusing to take passwords in clear text on ${listen.host}: give --tls-cert and --tls-key, or put a TLS proxy in front (--trusted-proxy)`,
    );
  let publicUrl: string | null = null;
  if (settings['public-url']) {
    try {
      publicUrl = new URL(settings['public-url']).toString();
    } catch {
      throw usage(`--public-url takes an address such as https://omv.example.org, not "${settings['public-url']}"`);
    }
  }
  let callbackSecrets;
  try {
    callbackSecrets = parseCallbackSecrets(settings['callback-secret'] ?? []);
  } catch (error) {
    throw error instanceof CallbackSecretError ? usage(error.message) : error;
  }
  if (callbackSecrets.everyDomain === null && callbackSecrets.byDomain.size === 0)
    throw usage('a team server takes callbacks with a secret only: give --callback-secret SECRET (or DOMAIN=SECRET for each domain)');
  let trusted: (address: string | undefined) => boolean;
  try {
    trusted = addressList(trustedProxies);
    addressList(settings['callback-allow'] ?? []);
  } catch (error) {
    throw usage(errorMessage(error));
  }
  const maxBodyBytes = settings['max-body'] ? parseByteSize('--max-body', settings['max-body']) : DEFAULT_MAX_BODY_BYTES;
  const queryTimeoutMs = settings['query-timeout']
    ? parsePositiveSeconds('--query-timeout', settings['query-timeout']) * 1000
    : DEFAULT_QUERY_TIMEOUT_MS;

  const log = settings.quiet ? () => {} : (line: string) => process.stdout.write(`${new Date().toISOString()} ${forTerminal(line)}\n`);
  const store = await openTeamStore(chosenStore(settings.store, settings.db), queryTimeoutMs, log);
  // The first account's command names this store, and is said only while there is none.
  let firstAccount: string;
  try {
    firstAccount =
      (await store.accounts.list()).length === 0 ? `; omv users add NAME --role admin${store.usersFlag} makes the first account` : '';
  } catch (error) {
    await store.close();
    throw error;
  }
  const sessions = new Sessions(store.accounts);
  // Sessions ended by another process (omv users disable, another team server on the same PostgreSQL database) end here too.
  const stopWatching = sessions.watch(1000, log);
  const secure = tls !== null || trustedProxies.length > 0;
  const signInRoutes = createSignInRoutes({
    sessions,
    secure,
    origins: publicUrl ? () => [new URL(publicUrl).origin] : undefined,
    clientAddress: (req) => requestContext(req, trusted, tls !== null).clientAddress,
  });
  const auth: TeamAuth = {
    sessionOf: (req) => sessionOf(req, sessions),
    handlePages: (req, res, url) => signInRoutes(req, res, url),
    onSessionsEnded: (listener) => void sessions.onEnded(({ sessionIds }) => listener(sessionIds)),
  };
  const server = await startTeamServer({
    ...store.server,
    auth,
    listen,
    callbackListen,
    tls,
    trustedProxies,
    callbackSecrets,
    callbackAllow: settings['callback-allow'] ?? [],
    publicUrl,
    maxBodyBytes,
    queryTimeoutMs,
    log,
  }).catch(async (error: unknown) => {
    stopWatching();
    sessions.close();
    await store.close();
    if ((error as { code?: string }).code === 'EADDRINUSE')
      throw new Error(`an address omv was told to listen on is in use: ${errorMessage(error)}`);
    throw error;
  });
  process.stdout.write(store.startLine + `omv: team desk at ${server.deskUrl} (sign in${firstAccount})\n` + announceReceiver(server));
  store.checkBeside();
  await untilStopped();
  await server.close();
  stopWatching();
  sessions.close();
  await store.close();
  return 0;
}

/** The team's store, opened: its accounts, what the server is given, and how it is looked after and closed. */
interface OpenTeamStore {
  accounts: AccountStore;
  server: TeamStoreOptions;
  /** What the operator is told first (PostgreSQL: its version and standby). */
  startLine: string;
  /** What `omv users` is given to reach this store (nothing for the default file). */
  usersFlag: string;
  /** A quick check of a SQLite file beside the server (a damaged file said at once); nothing on PostgreSQL (omv check --store). */
  checkBeside(): void;
  close(): Promise<void>;
}

/** A SQLite file (--db), or a PostgreSQL database (--store postgres://…): the same team server over either. */
async function openTeamStore(store: string | undefined, queryTimeoutMs: number, log: (line: string) => void): Promise<OpenTeamStore> {
  if (store === undefined || !isPostgresUrl(store)) {
    const db = openDatabaseFor(store, { busyTimeoutMs: 2000 });
    return {
      accounts: sqliteAccountStore(db),
      server: { db },
      startLine: '',
      usersFlag: store === undefined ? '' : ` --db ${forTerminal(shellWord(store))}`,
      checkBeside: () => checkBeside(db, log),
      close: async () => void db.close(),
    };
  }
  const engine = await openStoreEngine(store, { readTimeoutMs: queryTimeoutMs });
  // The accounts' own sessions: a sign-in holds its account's row while its password is checked,
  // and guesses must not keep group commit (the vendor's deliveries) waiting for a session.
  const accountsPool = openWritePool(store);
  try {
    return {
      accounts: pgAccountStore(accountsPool.pool),
      server: { core: (receiver) => pgCore(engine, receiver, { team: true, log }), deliveries: engine.writes },
      startLine: await standbyLine(engine),
      usersFlag: ` --store ${forTerminal(shellWord(shownStoreUrl(store)))}`,
      checkBeside: () => {},
      close: async () => {
        await accountsPool.pool.end();
        await engine.close();
      },
    };
  } catch (error) {
    await accountsPool.pool.end();
    await engine.close();
    throw error;
  }
}

/** A path or URL as a shell takes it back: as it is when plain, else in single quotes. */
const shellWord = (word: string) => (/^[\w./@%+=:,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);
