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

/** Resolves on SIGINT or SIGTERM, saying that what is under way is finished first. */
export function untilStopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`omv: ${signal}: finishing deliveries in progress and stopping\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
