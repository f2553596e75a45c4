// omv quarantine: the payloads we kept but could not read — list, show, retry.
import { parseArgs } from 'node:util';
import { retryQuarantined } from '../intake/quarantineRetry.js';
import { getDelivery, listQuarantined, listUnfinishedImports } from '../store/deliveries.js';
import { cliActor, openDatabaseFor, parsePositiveInteger, sqliteFileFor, UsageError } from './common.js';
import { forTerminal } from '../../shared/visibleText.js';

export async function quarantineCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { db: { type: 'string' }, store: { type: 'string' } },
  });
  const [action, idText, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const id = idText === undefined ? undefined : parsePositiveInteger('ID', idText);
  const db = openDatabaseFor(sqliteFileFor('quarantine', values.db, values.store), { mustExist: true });
  try {
    switch (action) {
      case 'list': {
        const rows = listQuarantined(db);
        for (const row of rows) {
          const what =
            row.source === 'import'
              ? `import ${row.file_path ?? '(standard input or a pipe)'}`
              : `${row.function ?? '-'} ${row.domain_id || '-'} call ${row.call_id ?? '-'}`;
          process.stdout.write(
            `${row.id}\t${new Date(row.received_at).toISOString()}\t${forTerminal(what)}\t${row.payload_size} bytes\t${forTerminal(row.error ?? '')}\n`,
          );
        }
        process.stdout.write(`${rows.length} quarantined\n`);
        const unfinished = listUnfinishedImports(db);
        for (const row of unfinished) {
          process.stdout.write(
            `${row.id}\t${new Date(row.received_at).toISOString()}\timport ${forTerminal(row.file_path ?? '(standard input or a pipe)')}\t${row.payload_size} bytes\tnot finished (interrupted, or running now): omv import the file again\n`,
          );
        }
        if (unfinished.length > 0) process.stdout.write(`${unfinished.length} imports not finished\n`);
        return 0;
      }
      case 'show': {
        if (id === undefined) throw new UsageError('show takes the ID of a delivery');
        const row = getDelivery(db, id);
        if (!row) throw new Error(`no delivery ${id}`);
        // What was stored is read through the desk or an export; this shows what could not be read.
        if (row.status !== 'quarantined' && row.status !== 'importing')
          throw new Error(`delivery ${id} is not in quarantine (it was stored): omv quarantine shows only what could not be read`);
        const details = { ...row, payload: undefined, received_at: new Date(row.received_at).toISOString() };
        for (const [key, value] of Object.entries(details))
          if (value !== undefined && value !== null)
            process.stderr.write(`${key}: ${forTerminal(String(value), { keepLines: true }).replaceAll('\n', '\n  ')}\n`);
        // The exact bytes to a file or a pipe (to fix and retry); to a terminal, shown safely.
        if (row.payload)
          process.stdout.write(
            process.stdout.isTTY ? forTerminal(new TextDecoder('utf-8').decode(row.payload), { keepLines: true }) : row.payload,
          );
        return 0;
      }
      case 'retry': {
        const results = await retryQuarantined(db, id, cliActor(db).name); // the CLI's own report: entries per delivery
        for (const r of results) {
          process.stdout.write(
            r.status === 'stored'
              ? `stored       ${r.id}: ${r.entries} entries (${r.newEntries} new)\n`
              : `quarantined  ${r.id}: ${forTerminal(r.reason)}\n`,
          );
        }
        const stored = results.filter((r) => r.status === 'stored').length;
        process.stdout.write(`${results.length} retried: ${stored} stored, ${results.length - stored} still quarantined\n`);
        return 0;
      }
      default:
        throw new UsageError(action ? `unknown action "${action}"` : 'say list, show ID or retry [ID]');
    }
  } finally {
    db.close();
  }
}
