// omv migrate-store --from FILE --to postgres://…: a desk's SQLite file copied into a new
// PostgreSQL database (store/pg/storeCopy.ts), then checked — the rows of every table counted on
// both sides, the audit chain verified on PostgreSQL and ending where the file's ended — and the
// move recorded in both trails. The file is held alone meanwhile (store/fileAlone.ts): nothing else
// may have it open. It is left as it was (but for that audit row, and its pseudonym salt made if it
// had none): it is the way back until the operator is satisfied.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '../../shared/errorMessage.js';
import { forTerminal } from '../../shared/visibleText.js';
import { recordAction } from '../store/audit.js';
import { openDatabase } from '../store/db.js';
import { holdFileAlone } from '../store/fileAlone.js';
import { pseudonymSalt } from '../store/settings.js';
import { openPgEngine, type PgEngine } from '../store/pg/engine.js';
import { chainCarriedOver } from '../store/pg/storeCopy.js';
import { isPostgresUrl } from '../store/pg/storeUrl.js';
import { cliActor, UsageError } from './common.js';
import { shownStoreUrl } from './servePostgres.js';

export async function migrateStoreCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { from: { type: 'string' }, to: { type: 'string' } },
  });
  if (positionals.length) throw new UsageError(`unexpected ${positionals.map((p) => `"${p}"`).join(' ')}`);
  const { from, to } = values;
  if (!from || !to) throw new UsageError('give --from FILE (the SQLite database) and --to postgres://… (a new database)');
  if (!isPostgresUrl(to)) throw new UsageError(`--to takes a postgres://… URL (${to} is not one)`);
  if (!existsSync(from)) throw new UsageError(`no database at ${from}`);
  const db = openDatabase(from, { mustExist: true });
  try {
    holdFileAlone(db);
  } catch (error) {
    db.close();
    throw error;
  }
  const shown = shownStoreUrl(to);
  const say = (line: string) => process.stdout.write(`omv migrate-store: ${forTerminal(line)}\n`);
  let engine: PgEngine;
  try {
    engine = await openPgEngine(to);
  } catch (error) {
    db.close();
    throw new Error(`PostgreSQL at ${shown} could not be opened: ${errorMessage(error)}`);
  }
  try {
    // Pseudonyms are made with the database's salt, made by its first pseudonymous export. A file
    // that never had one would get a salt on each side afterwards, and one user two pseudonyms:
    // made here first, the copy carries it, and both sides name users alike.
    pseudonymSalt(db);
    say(`copying ${resolve(from)} into ${shown}`);
    const started = performance.now();
    const copy = await engine.writes.copyFromSqlite(db, (line) => say(`  ${line}`));
    const problem = chainCarriedOver(await engine.reads.verifyAudit(), copy.audit, await engine.reads.auditHead());
    if (problem) {
      say(`NOT VERIFIED: ${problem}`);
      return 1;
    }
    const rows = (table: string) => copy.tables.find((t) => t.table === table)?.rows ?? 0;
    const moderator = cliActor(db).name;
    const moved = {
      from: resolve(from),
      to: shown,
      tables: Object.fromEntries(copy.tables.map((t) => [t.table, t.rows])),
      auditHead: copy.audit,
    };
    await engine.writes.appendAudit('store migrated', moderator, moved);
    try {
      recordAction(db, 'store migrated', moderator, moved);
    } catch (error) {
      say(`the move could not be recorded in the file's trail (${errorMessage(error)}); the copy is complete and verified`);
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    say(
      `copied ${rows('entries').toLocaleString('en-US')} entries, ${rows('deliveries').toLocaleString('en-US')} deliveries and ${copy.tables.length} tables in ${seconds} s; every table's rows counted alike on both sides`,
    );
    say(
      `the audit chain verifies on PostgreSQL: ${copy.audit.row.toLocaleString('en-US')} rows, ending in the file's head ${copy.audit.hash} (the move is its next row, in both trails)`,
    );
    say('receive into it: omv serve --store URL, with the URL given to --to (the file is kept as it was)');
    return 0;
  } finally {
    await engine.close();
    db.close();
  }
}
