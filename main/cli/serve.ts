// omv serve: receive the vendor's callbacks into the database until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { DEFAULT_QUERY_TIMEOUT_MS } from '../api/queryPool.js';
import { startApp } from '../app.js';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT } from '../intake/receiver/server.js';
import { CallbackSecretError, parseCallbackSecrets, type CallbackSecrets } from '../net/callbackSecrets.js';
import { chosenStore, openDatabaseFor, parseByteSize, parsePort, parsePositiveSeconds, UsageError } from './common.js';
import { forTerminal } from '../../shared/visibleText.js';
import { checkBeside, untilStopped } from './serving.js';
import { announceReceiver, announceViewer } from './receiving.js';
import { isPostgresUrl } from '../store/pg/storeUrl.js';

export async function serve(args: string[]): Promise<number> {
  // The team server is another composition (main/team/): its own flags and settings file.
  if (args.includes('--team')) return (await import('./serveTeam.js')).serveTeam(args.filter((arg) => arg !== '--team'));
  const { values } = parseArgs({
    args,
    options: {
      db: { type: 'string' },
      store: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: String(DEFAULT_PORT) },
      token: { type: 'string' },
      'callback-secret': { type: 'string', multiple: true, default: [] },
      'max-body': { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'no-viewer': { type: 'boolean', default: false },
      'query-timeout': { type: 'string' },
    },
  });
  const port = parsePort('--port', values.port!);
  const maxBodyBytes = values['max-body'] ? parseByteSize('--max-body', values['max-body']) : DEFAULT_MAX_BODY_BYTES;
  const queryTimeoutMs = values['query-timeout']
    ? parsePositiveSeconds('--query-timeout', values['query-timeout']) * 1000
    : DEFAULT_QUERY_TIMEOUT_MS;
  let callbackSecrets: CallbackSecrets;
  try {
    callbackSecrets = parseCallbackSecrets(values['callback-secret']!, values.token ?? null);
  } catch (error) {
    throw error instanceof CallbackSecretError ? new UsageError(error.message) : error;
  }
  // A delivery's log line quotes what the vendor sent (function, domainID, callID): shown, never acted on.
  const log = values.quiet ? () => {} : (line: string) => process.stdout.write(`${new Date().toISOString()} ${forTerminal(line)}\n`);
  const store = chosenStore(values.store, values.db);
  if (store !== undefined && isPostgresUrl(store)) {
    const { servePostgres } = await import('./servePostgres.js');
    return servePostgres(
      store,
      { host: values.host!, port, callbackSecrets, maxBodyBytes, log, viewer: !values['no-viewer'] },
      queryTimeoutMs,
    );
  }
  const db = openDatabaseFor(store, { busyTimeoutMs: 2000 });
  const app = await startApp({
    db,
    host: values.host!,
    port,
    callbackSecrets,
    maxBodyBytes,
    log,
    viewer: !values['no-viewer'],
    queryTimeoutMs,
  }).catch((error: unknown) => {
    db.close();
    if ((error as { code?: string }).code === 'EADDRINUSE')
      throw new Error(`port ${port} on ${values.host} is in use (another omv serve?): choose another with --port`);
    throw error;
  });
  const receiver = app.receiver!;
  process.stdout.write(announceReceiver(receiver) + announceViewer(app.viewerUrl, !values['no-viewer'], values.host!));
  // A quick check of the database, beside the receiver: a damaged file is said plainly, at once.
  checkBeside(db, log);
  await untilStopped();
  await app.close();
  db.close();
  return 0;
}
