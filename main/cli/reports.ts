// omv reports: the abuse report queue — list it, move a report along.
import { parseArgs } from 'node:util';
import { isReportStatus, REPORT_STATUSES } from '../../shared/review.js';
import { listReports, ReportChangeError } from '../store/reports.js';
import { cliActor, cliService, openDatabaseFor, parsePositiveInteger, sqliteFileFor, UsageError } from './common.js';
import { forTerminal } from '../../shared/visibleText.js';

const cell = (value: string | null) => (value === null || value === '' ? '-' : forTerminal(value.replace(/[\t\n\r]+/g, ' ')));

export async function reportsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { db: { type: 'string' }, store: { type: 'string' }, status: { type: 'string' }, reason: { type: 'string' } },
  });
  const [action, ...rest] = positionals;
  const status = values.status;
  if (status !== undefined && !isReportStatus(status))
    throw new UsageError(`--status takes one of ${REPORT_STATUSES.join(', ')}, not "${status}"`);
  if (action === 'list') {
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
    const db = openDatabaseFor(sqliteFileFor('reports', values.db, values.store), { mustExist: true });
    try {
      const reports = listReports(db, status === undefined ? {} : { status });
      for (const r of reports) {
        process.stdout.write(
          [r.id, r.status, new Date(r.receivedAt).toISOString(), cell(r.reporter), cell(r.accused), cell(r.reason), cell(r.room)].join(
            '\t',
          ) + '\n',
        );
      }
      return 0;
    } finally {
      db.close();
    }
  }
  if (action === 'set') {
    const [idText, to, ...extra] = rest;
    if (idText === undefined || to === undefined || extra.length > 0) throw new UsageError('set takes a report ID and a status');
    const id = parsePositiveInteger('ID', idText);
    if (!isReportStatus(to)) throw new UsageError(`STATUS is one of ${REPORT_STATUSES.join(', ')}, not "${to}"`);
    const db = openDatabaseFor(sqliteFileFor('reports', values.db, values.store), { mustExist: true });
    try {
      const service = await cliService(db);
      const actor = cliActor(db);
      // The command acts on the report as it stands when it runs: it names that version, as a desk names the one it showed.
      const { version } = await service.call(actor, 'report', { id });
      const change = await service.call(actor, 'setReportStatus', { id, status: to, reason: values.reason, version });
      process.stdout.write(`report ${change.id}: ${change.from} → ${change.to} (audit row ${change.auditId})\n`);
      return 0;
    } catch (error) {
      if (error instanceof ReportChangeError) {
        process.stderr.write(`omv reports: ${forTerminal(error.message)}\n`);
        return 1;
      }
      throw error;
    } finally {
      db.close();
    }
  }
  throw new UsageError(action === undefined ? 'say list or set' : `no action "${action}": list or set`);
}
