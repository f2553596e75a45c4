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
import { addressList, requestContext, startTeamServer, type TeamAuth } from '../team/server.js';
import { Sessions } from '../team/sessions.js';
import { createSignInRoutes, sessionOf } from '../team/signInRoutes.js';
import { openDatabaseFor, parseByteSize, parsePositiveSeconds, UsageError } from './common.js';
import { forTerminal } from '../../shared/visibleText.js';
import { checkBeside, untilStopped } from './serving.js';

import { DEFAULT_TEAM_LISTEN } from './usage.js';

function resolveSettings(args: string[]): TeamSettings {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string' },
      db: { type: 'string' },
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
    return withFlags(config ? readTeamSettings(config) : {}, flags);
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

  const db = openDatabaseFor(settings.db, { busyTimeoutMs: 2000 });
  const log = settings.quiet ? () => {} : (line: string) => process.stdout.write(`${new Date().toISOString()} ${forTerminal(line)}\n`);
  const sessions = new Sessions(db);
  const stopWatching = sessions.watch(); // sessions ended by another process (omv users disable) end here too
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
    db,
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
  }).catch((error: unknown) => {
    stopWatching();
    sessions.close();
    db.close();
    if ((error as { code?: string }).code === 'EADDRINUSE')
      throw new Error(`an address omv was told to listen on is in use: ${errorMessage(error)}`);
    throw error;
  });
  process.stdout.write(
    `omv: team desk at ${server.deskUrl} (sign in; omv users add NAME --role admin makes the first account)\n` +
      `omv: receiving callbacks at ${server.callbackUrl}${server.domainCallbackUrls.length ? ' (every domain not named below)' : ''}\n` +
      server.domainCallbackUrls
        .map(({ domainId, url }) => `omv: receiving callbacks for domainID ${forTerminal(domainId)} at ${url}\n`)
        .join('') +
      'omv: give the vendor its URL; it adds ?function=…&domainID=…&callID=… itself. Ctrl-C stops.\n',
  );
  checkBeside(db, log);
  await untilStopped();
  await server.close();
  stopWatching();
  sessions.close();
  db.close();
  return 0;
}
