// Errors written for the moderator: a search they mistyped, a note too long, a report that needs a
// reason, a query past its time limit. Their message is shown as it is. Any other error (SQLite's
// own messages, a bug) names internals the moderator cannot act on and a page should not see: the
// transports log it and answer a plain sentence instead (main/viewer/apiError.ts).
export class UserFacingError extends Error {}

export function isUserFacing(error: unknown): error is UserFacingError {
  return error instanceof UserFacingError;
}
