// omv purge: retention — remove entries older than a date, keeping held entries and open reports.
import { parseArgs } from 'node:util';
import { purgeBefore } from '../store/purge.js';
import { moderatorName, openDatabaseFor, parseTimeArgument, UsageError } from './common.js';

export const usage = `omv purge [--db FILE] --before DATE [--dry-run]
  remove entries older than DATE (epoch ms or ISO 8601, UTC), except those under a hold and those
  quoted by reports still open or in review; --dry-run only counts; recorded in the audit trail`;

export async function purgeCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { db: { type: 'string' }, before: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
  if (values.before === undefined) throw new UsageError('--before DATE is required');
  const before = parseTimeArgument('--before', values.before, 'start');
  const db = openDatabaseFor(values.db, { mustExist: true });
  try {
    const result = purgeBefore(db, before, { dryRun: values['dry-run'], moderator: moderatorName() });
    const kept = `kept ${result.held} under a hold, ${result.reported} quoted by open reports`;
    process.stdout.write(
      values['dry-run']
        ? `would remove ${result.removed} entries older than ${new Date(before).toISOString()}; ${kept}\n`
        : `removed ${result.removed} entries older than ${new Date(before).toISOString()}; ${kept}${result.auditId ? ` (audit row ${result.auditId})` : ''}\n`,
    );
    return 0;
  } finally {
    db.close();
  }
}
