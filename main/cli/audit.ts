// omv audit: the trail of moderator actions — prove it is intact, or read it.
import { parseArgs } from 'node:util';
import { listAudit, verifyAudit } from '../store/audit.js';
import { openDatabaseFor, UsageError } from './common.js';
import { forTerminal } from './terminalText.js';

export const usage = `omv audit [--db FILE] verify | list
  verify  check the hash chain: "audit chain intact: N rows" (exit 0), or the first row that is not (exit 1)
  list    every action: id, time, moderator, action, details`;

export async function auditCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { db: { type: 'string' } } });
  const [action, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if (action !== 'verify' && action !== 'list') throw new UsageError(action === undefined ? 'say verify or list' : `no action "${action}"`);
  const db = openDatabaseFor(values.db, { mustExist: true });
  try {
    if (action === 'list') {
      for (const row of listAudit(db)) {
        process.stdout.write(
          `${row.id}\t${new Date(row.at).toISOString()}\t${forTerminal(row.moderator)}\t${forTerminal(row.action)}\t${forTerminal(JSON.stringify(row.details))}\n`,
        );
      }
      return 0;
    }
    const verdict = verifyAudit(db);
    if (verdict.intact) {
      process.stdout.write(`audit chain intact: ${verdict.rows} rows\n`);
      return 0;
    }
    process.stdout.write(
      `audit chain broken at row ${verdict.badRow}: ${forTerminal(verdict.why)} (${verdict.rows} rows before it verify)\n`,
    );
    return 1;
  } finally {
    db.close();
  }
}
