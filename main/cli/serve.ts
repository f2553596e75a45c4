// omv serve: receive the vendor's callbacks into the database until SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT, startReceiver } from '../receiver/server.js';
import { openDatabaseFor, parseByteSize, parsePositiveInteger } from './common.js';

export const usage = `omv serve [--db FILE] [--host H] [--port N] [--token T] [--max-body SIZE] [--quiet]
  Receive the vendor's callbacks (sendOfflineMessages, sendArchive, reportAbuse, sendConnectionList).
  --host      address to bind (default 127.0.0.1; any other needs --token)
  --port      port (default ${DEFAULT_PORT}; 0 picks a free one)
  --token     secret the callback URL must carry: /callback/SECRET
  --max-body  largest request body accepted (default 16M)
  --quiet     do not log each delivery`;

export async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      db: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: String(DEFAULT_PORT) },
      token: { type: 'string' },
      'max-body': { type: 'string' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const port = values.port === '0' ? 0 : parsePositiveInteger('--port', values.port!);
  const maxBodyBytes = values['max-body'] ? parseByteSize('--max-body', values['max-body']) : DEFAULT_MAX_BODY_BYTES;
  const db = openDatabaseFor(values.db, { busyTimeoutMs: 2000 });
  const log = values.quiet ? () => {} : (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  const receiver = await startReceiver({ db, host: values.host!, port, token: values.token ?? null, maxBodyBytes, log });
  process.stdout.write(
    `omv: receiving callbacks at ${receiver.callbackUrl}\n` +
      `omv: give the vendor this URL; it adds ?function=…&domainID=…&callID=… itself. Ctrl-C stops.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`omv: ${signal}: finishing deliveries in progress and stopping\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await receiver.close();
  db.close();
  return 0;
}
