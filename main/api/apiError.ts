// What a failed API call tells the page. An error written for the moderator (a UserFacingError:
// a mistyped search, a note too long, a query past its time limit, "no entry N") is shown as it
// is. Anything else — SQLite's own messages, a constraint, a bug — names internals the moderator
// cannot act on and a page should not read: it is logged in full here, and the page is told only
// where to find it. Used by both transports (browser mode's HTTP, the desktop's IPC).
import { randomBytes } from 'node:crypto';
import { isUserFacing } from '../../shared/userFacingError.js';

export type ErrorLog = (line: string) => void;

const toStderr: ErrorLog = (line) => process.stderr.write(`${line}\n`);

export function apiErrorMessage(error: unknown, call: string, log: ErrorLog = toStderr): string {
  if (isUserFacing(error)) return error.message;
  const id = randomBytes(4).toString('hex');
  log(`omv: #${id}: ${call} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return `omv could not do that (logged as #${id})`;
}
