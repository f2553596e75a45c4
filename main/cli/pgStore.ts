// The commands that look after a store (audit, check, backup) when it is a PostgreSQL database:
// the same questions and the same answers as on a SQLite file, asked through the PostgreSQL engine.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { errorMessage } from '../../shared/errorMessage.js';
import { forTerminal } from '../../shared/visibleText.js';
import type { SourcedAnchor } from '../store/audit.js';
import { openPgEngine, type PgEngine, type PgEngineOptions } from '../store/pg/engine.js';
import { actingAsName } from './actingAs.js';
import { shownStoreUrl } from './servePostgres.js';
import {
  PG_RESTORE_ADVICE,
  printAuditAnchor,
  printAuditRows,
  printAuditVerdict,
  printCheck,
  printPurge,
  printRepair,
} from './storeAnswers.js';
import { repairFullText } from '../store/pg/check.js';

/**
 * The engine for one command. Its reads have no statement timeout: a check or a verification reads
 * every row, and a desk's timeout would cut it short and call a whole database damaged.
 */
export async function withEngine<T>(url: string, use: (engine: PgEngine) => Promise<T>): Promise<T> {
  const engine = await openStoreEngine(url, { readTimeoutMs: 0 });
  try {
    return await use(engine);
  } finally {
    await engine.close();
  }
}

/** Opens the engine of the store at `url`, saying which (never its password), and why it could not be. */
export async function openStoreEngine(url: string, options: PgEngineOptions): Promise<PgEngine> {
  process.stderr.write(`omv: store ${shownStoreUrl(url)}\n`);
  try {
    return await openPgEngine(url, options);
  } catch (error) {
    throw new Error(`PostgreSQL at ${shownStoreUrl(url)} could not be opened: ${errorMessage(error)}`);
  }
}

/** Who the trail records when a command acts on PostgreSQL: --as NAME, else $OMV_MODERATOR, else the OS user. */
export const actingName = () => actingAsName() ?? (process.env['OMV_MODERATOR'] || userInfo().username);

export function auditPg(url: string, action: 'verify' | 'anchor' | 'list', anchors: SourcedAnchor[]): Promise<number> {
  return withEngine(url, async (engine) => {
    if (action === 'list') printAuditRows(await engine.reads.listAudit());
    else if (action === 'anchor') printAuditAnchor(await engine.reads.auditHead());
    else return printAuditVerdict(await engine.reads.verifyAudit(anchors), anchors);
    return 0;
  });
}

export function checkPgStore(url: string, { repair = false } = {}): Promise<number> {
  return withEngine(url, async (engine) => {
    const started = performance.now();
    if (repair) {
      const repaired = await repairFullText(engine.reader, engine.writes.writer, actingName());
      printRepair(
        repaired > 0
          ? `the full-text columns of ${repaired.toLocaleString('en-US')} ${repaired === 1 ? 'entry' : 'entries'} made again from their content`
          : null,
      );
    }
    return printCheck(await engine.reads.check(), started, PG_RESTORE_ADVICE);
  });
}

/** pg_dump and pg_restore: on PATH, else the newest of Debian's PostgreSQL folders. */
function pgTool(tool: string): string {
  const onPath = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (onPath.status === 0) return tool;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(join(root, name, 'bin', tool)))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) throw new Error(`${tool} is not installed (Debian: apt-get install postgresql-client)`);
  return join(root, versions[0]!, 'bin', tool);
}

/**
 * The connection for PostgreSQL's own tools: the URL without its password, which goes in their
 * environment (PGPASSWORD) rather than their command line, where any user of the machine sees it.
 */
function toolConnection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = parsed.searchParams.get('password') ?? decodeURIComponent(parsed.password);
  parsed.password = '';
  parsed.searchParams.delete('password');
  return { dbname: parsed.toString(), env: password ? { ...process.env, PGPASSWORD: password } : process.env };
}

/**
 * omv backup on PostgreSQL: pg_dump's custom format (one consistent snapshot, taken while omv
 * receives), then read back whole by pg_restore --list; recorded in the trail.
 */
export function backupPg(url: string, target: string): Promise<number> {
  return withEngine(url, async (engine) => {
    const { dbname, env } = toolConnection(url);
    const started = performance.now();
    const dump = spawnSync(pgTool('pg_dump'), ['--format=custom', '--file', target, '--dbname', dbname], { encoding: 'utf8', env });
    if (dump.status !== 0) {
      rmSync(target, { force: true }); // what it wrote is no backup, and would block the next try
      throw new Error(`pg_dump failed: ${(dump.stderr || dump.error?.message || '').trim()}`);
    }
    const listing = spawnSync(pgTool('pg_restore'), ['--list', target], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const whole =
      listing.status === 0 && /TABLE DATA \S+ deliveries /.test(listing.stdout) && /TABLE DATA \S+ audit_log /.test(listing.stdout);
    const bytes = statSync(target).size;
    await engine.writes.appendAudit('backup', actingName(), { to: resolve(target), bytes, format: 'pg_dump custom', checked: whole });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    // The restore's database must be this role's: one another role made keeps its schema public
    // from omv, and no new month's partition could be made there (omv check says so).
    const role = (await engine.reader.pool.query<{ role: string }>('SELECT current_user AS role')).rows[0]!.role;
    process.stdout.write(
      `omv: backed up ${shownStoreUrl(url)} with pg_dump to ${target} (${(bytes / 1e6).toFixed(1)} MB) in ${seconds} s; ` +
        (whole
          ? `pg_restore reads it whole (restore, as a superuser: createdb --owner ${role} --encoding UTF8 --template template0 NEW && pg_restore --dbname NEW ${target}, then REVOKE CONNECT ON DATABASE NEW FROM PUBLIC)\n`
          : `pg_restore cannot read it: ${forTerminal(listing.stderr.trim())}\n`),
    );
    return whole ? 0 : 1;
  });
}

/** omv purge on PostgreSQL: whole months dropped, the rest deleted in batches (store/pg/purge.ts). */
export function purgePgStore(url: string, before: number, dryRun: boolean): Promise<number> {
  return withEngine(url, async (engine) => {
    printPurge(await engine.writes.purge(before, { moderator: actingName(), dryRun }), dryRun);
    return 0;
  });
}
