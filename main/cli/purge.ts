// omv purge: retention — remove entries older than a date, keeping held entries and open reports.
import { setPriority } from 'node:os';
import { parseArgs } from 'node:util';
import { purgeBefore } from '../retention/purge.js';
import { chosenStore, cliActor, openDatabaseFor, parseTimeArgument, UsageError } from './common.js';
import { printPurge } from './storeAnswers.js';
import { isPostgresUrl } from '../store/pg/storeUrl.js';

export async function purgeCommand(args: string[]): Promise<number> {
  // Maintenance, beside a receiver on the same machine: it takes the processor when the receiver does not want it.
  try {
    setPriority(15);
  } catch {
    // not allowed here: it runs at the usual priority
  }
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      store: { type: 'string' },
      before: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
  if (values.before === undefined) throw new UsageError('--before DATE is required');
  const before = parseTimeArgument('--before', values.before, 'start');
  const store = chosenStore(values.store, values.db);
  if (store !== undefined && isPostgresUrl(store)) return (await import('./pgStore.js')).purgePgStore(store, before, values['dry-run']!);
  const db = openDatabaseFor(store, { mustExist: true });
  try {
    const progress = process.stderr.isTTY
      ? (removed: number, planned: number) =>
          process.stderr.write(`\r\x1b[Komv: purged ${removed.toLocaleString('en-US')} of ${planned.toLocaleString('en-US')}…`)
      : undefined;
    const result = await purgeBefore(db, before, { dryRun: values['dry-run'], moderator: cliActor(db).name, onProgress: progress });
    if (progress) process.stderr.write('\r\x1b[K');
    printPurge(result, values['dry-run']!);
    if (!values['dry-run'] && result.auditId !== null) {
      if (!result.walTruncated)
        process.stdout.write(
          'omv: the write-ahead log is in use by a reader; it is cleared at the next checkpoint (or run omv purge again)\n',
        );
    }
    return 0;
  } finally {
    db.close();
  }
}
