// The secrets a team server hands to browsers: session tokens, CSRF tokens, enrolment links, form
// tokens. Each is 32 random bytes (base64url). Those the server must find again (a session, an
// enrolment link) are stored under their SHA-256: a copy of the database opens nothing.
import { createHash, randomBytes } from 'node:crypto';

/** A new random token: 256 bits, base64url. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What a token is stored and looked up as: its SHA-256, hex. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Longer than any token we make: what is not worth hashing to find out. */
export const MAX_TOKEN_LENGTH = 128;
