// What omv audit, check and purge print, whichever engine answered: the lines are a contract
// scripts read (README), so both engines' commands print them from here.
import type { AuditAnchor, AuditRecord, AuditVerdict } from '../../shared/review.js';
import { forTerminal } from '../../shared/visibleText.js';
import type { SourcedAnchor } from '../store/audit.js';
import { REPAIR_ADVICE, RESTORE_ADVICE, type CheckResult } from '../store/check.js';
import type { PurgeRecord } from '../store/purge.js';

const print = (line: string) => process.stdout.write(`${line}\n`);

/** omv audit list: one row a line, tab-separated, whatever a moderator's name or a detail holds shown as text. */
export function printAuditRows(rows: Iterable<AuditRecord>): void {
  for (const row of rows)
    print(
      `${row.id}\t${new Date(row.at).toISOString()}\t${forTerminal(row.moderator)}\t${forTerminal(row.action)}\t${forTerminal(JSON.stringify(row.details))}`,
    );
}

/** omv audit anchor: the head to keep elsewhere. */
export function printAuditAnchor(head: AuditAnchor): void {
  print(`${head.row}:${head.hash}`);
}

/** omv audit verify's verdict; answers the exit code. */
export function printAuditVerdict(verdict: AuditVerdict, anchors: readonly SourcedAnchor[]): number {
  if (!verdict.intact) {
    print(`audit chain broken at row ${verdict.badRow}: ${forTerminal(verdict.why)} (${verdict.rows} rows before it verify)`);
    return 1;
  }
  print(`audit chain intact: ${verdict.rows} rows`);
  if (anchors.length > 0) print(`anchors: ${anchors.length} held (${anchors.map((a) => a.source).join('; ')})`);
  if (verdict.redacted) print(`redacted: ${verdict.redacted} rows' details were removed by a purge (their facts still verify)`);
  return 0;
}

/** omv check --repair's line: what was made again (recorded in the audit trail), or that nothing needed it. */
export function printRepair(repaired: string | null): void {
  print(
    repaired ? `repaired: ${repaired} (recorded in the audit trail)` : 'repaired: nothing, the full-text index was what the entries hold',
  );
}

/**
 * omv check's findings and verdict (`started`: performance.now() when the check began, `advice`:
 * what the people who run omv do about a damaged one: a file's by default); answers the exit code.
 */
export function printCheck({ ok, lines, only }: CheckResult, started: number, advice = RESTORE_ADVICE): number {
  for (const line of lines) print(forTerminal(line));
  print(
    ok
      ? `database ok (checked in ${((performance.now() - started) / 1000).toFixed(1)} s)`
      : only === 'setUp'
        ? // A store whose rights are wrong is not damaged: restoring a backup would not mend it.
          'database whole, but omv cannot do all it must in it: do what is said above'
        : only === 'unfinished'
          ? 'not fully checked: what could not be finished is said above; nothing found damaged. Run omv check again (a long import or purge holds the database meanwhile)'
          : `database damaged. ${only === 'repairable' ? REPAIR_ADVICE : advice}`,
  );
  return ok ? 0 : 1;
}

/**
 * omv purge's account: what it removed (or would), what it kept and why, and — once done — what
 * it made the store forget. `monthsDropped`: PostgreSQL's whole months dropped as tables.
 */
export function printPurge(result: PurgeRecord & { auditId: number | null; monthsDropped?: number }, dryRun: boolean): void {
  const kept = `kept ${result.held} under a hold, ${result.reported} quoted by open reports`;
  const older = `entries older than ${new Date(result.before).toISOString()}`;
  if (dryRun) {
    print(`would remove ${result.removed} ${older}; ${kept}`);
    return;
  }
  print(`removed ${result.removed} ${older}; ${kept}${result.auditId ? ` (audit row ${result.auditId})` : ''}`);
  if (result.auditId === null) return;
  const months = result.monthsDropped === undefined ? '' : `${result.monthsDropped} whole months dropped, `;
  print(
    `forgotten: ${months}${result.payloadsRewritten} payloads rewritten without them, ${result.payloadsDropped} dropped, ` +
      `${result.quarantineDropped} quarantined payloads dropped, ${result.notes} notes removed (${result.redactedAuditRows} audit rows redacted)`,
  );
}

/** What to do about a damaged PostgreSQL store: there is no file to set aside. */
export const PG_RESTORE_ADVICE =
  'Full-text columns named above are made again by omv check --repair --store …; for anything else, restore the latest ' +
  'omv backup --store … (pg_restore: a standby holds the same rows). Deliveries keep their raw payloads, so what arrived ' +
  'after the backup can be recovered from this database: ask for help before dropping it.';
