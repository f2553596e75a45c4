// What both ways of serving share (omv serve, omv serve --team): the database checked beside the
// receiver, said plainly if damaged, and running until Ctrl-C or SIGTERM.
import { errorMessage } from '../../shared/errorMessage.js';
import { quickCheckInBackground, RESTORE_ADVICE } from '../store/check.js';
import type { Db } from '../store/db.js';
import { forTerminal } from '../../shared/visibleText.js';

/** SQLite's quick check of the database, on a worker thread: a damaged file is said at once, in words. */
export function checkBeside(db: Db, log: (line: string) => void): void {
  if (db.memory) return;
  quickCheckInBackground(db.name).then(
    (check) => {
      if (check.ok) log('database quick check: ok');
      else
        process.stderr.write(
          `omv: THE DATABASE IS DAMAGED (${forTerminal(check.lines.join('; '))}). ${RESTORE_ADVICE} Run omv check for the details.\n`,
        );
    },
    (error: unknown) => process.stderr.write(`omv: the database could not be checked: ${errorMessage(error)}\n`),
  );
}

/**
 * Resolves on SIGINT or SIGTERM, saying that what is under way is finished first. Finishing can
 * wait on the store for as long as it takes (a commit waiting for a synchronous standby that is
 * away): a second signal stops the process at once. What was not answered 200 by then was not
 * acknowledged, and its sender sends it again; nothing answered 200 is lost by stopping.
 */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stdout.write(`omv: ${signal} again: stopping now; deliveries not yet answered 200 are sent again by their senders\n`);
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      }
      stopping = true;
      process.stdout.write(`omv: ${signal}: finishing deliveries in progress and stopping (a second Ctrl-C or SIGTERM stops at once)\n`);
      resolve();
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}
