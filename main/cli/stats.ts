// omv stats: what the database holds.
import { parseArgs } from 'node:util';
import { storeStats } from '../store/stats.js';
import { openDatabaseFor, sqliteFileFor } from './common.js';
import { forTerminal } from '../../shared/visibleText.js';

function breakdown(counts: Record<string, number>): string {
  const parts = Object.entries(counts).map(([key, n]) => `${forTerminal(key)} ${n}`);
  return parts.length ? `  (${parts.join(', ')})` : '';
}

export async function statsCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { db: { type: 'string' }, store: { type: 'string' } } });
  const db = openDatabaseFor(sqliteFileFor('stats', values.db, values.store), { mustExist: true });
  const s = storeStats(db);
  const lines: Array<[string, string]> = [
    ['rooms', String(s.rooms)],
    ['users', String(s.users)],
    ['entries', `${s.entries}${breakdown(s.entriesByType)}`],
    ['deliveries', `${s.deliveries}${breakdown(s.deliveriesBySource)}`],
    ['duplicates', `${s.duplicates}  (repeated deliveries that added nothing)`],
    ['quarantined', `${s.quarantined}${s.quarantined ? '  (see: omv quarantine list)' : ''}`],
    ['abuse reports', String(s.abuseReports)],
    ['rosters', `${s.connectionSnapshots}  (connection-list snapshots)`],
  ];
  for (const [label, value] of lines) process.stdout.write(`${label.padEnd(14)}${value}\n`);
  db.close();
  return 0;
}
