// Passwords, as a team server keeps them: scrypt (node:crypto) with
//   N = 2^15, r = 8, p = 1, a 32-byte random salt, a 64-byte key,
// about 32 MiB of memory and a few tens of milliseconds per hash, which is what makes a stolen
// database slow to guess from. A hash is stored as `scrypt$N$r$p$SALT$KEY` (salt and key in
// base64url), so its parameters travel with it: they can be raised later, and a hash made with
// lower ones is made again, with the current ones, at the next sign-in (needsRehash).
//
// A password is 12 characters at least and 1024 bytes (UTF-8) at most: the upper bound keeps
// what scrypt is asked to read bounded. It is taken as typed, after Unicode NFKC normalisation
// (NIST SP 800-63B), so the same password typed on two keyboards is the same password.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParameters {
  /** CPU/memory cost, a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelisation. */
  p: number;
}

export const SCRYPT: Readonly<ScryptParameters> = { N: 2 ** 15, r: 8, p: 1 };
const SALT_BYTES = 32;
const KEY_BYTES = 64;
/** The largest N a stored hash may ask for: a damaged or hostile row cannot make a sign-in take gigabytes. */
const MAX_N = 2 ** 20;

export const PASSWORD_MIN_CHARACTERS = 12;
export const PASSWORD_MAX_BYTES = 1024;

/** Why `password` cannot be chosen, or null when it can. */
export function passwordProblem(password: string): string | null {
  const text = password.normalize('NFKC');
  if ([...text].length < PASSWORD_MIN_CHARACTERS) return `a password is at least ${PASSWORD_MIN_CHARACTERS} characters`;
  if (Buffer.byteLength(text, 'utf8') > PASSWORD_MAX_BYTES) return `a password is at most ${PASSWORD_MAX_BYTES} bytes`;
  return null;
}

/** What scrypt needs: 128·N·r bytes for its memory, with room to spare (Node refuses above `maxmem`). */
function scryptOptions({ N, r, p }: ScryptParameters): ScryptOptions {
  return { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
}

function derive(password: string, salt: Buffer, parameters: ScryptParameters, keyBytes = KEY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyBytes, scryptOptions(parameters), (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `password` hashed for storage, as `scrypt$N$r$p$SALT$KEY`. Refuses a password passwordProblem refuses. */
export async function hashPassword(password: string, parameters: ScryptParameters = SCRYPT): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new Error(problem);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, parameters);
  return ['scrypt', parameters.N, parameters.r, parameters.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface StoredHash extends ScryptParameters {
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): StoredHash | null {
  const match = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!match) return null;
  const [N, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const powerOfTwo = N >= 2 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N || r < 1 || r > 32 || p < 1 || p > 16) return null;
  const key = Buffer.from(match[5]!, 'base64url');
  if (key.length < 16) return null;
  return { N, r, p, salt: Buffer.from(match[4]!, 'base64url'), key };
}

/**
 * Whether `password` is the one `stored` was made from, compared in constant time. With `stored`
 * null (no such account, or one without a password yet) it does a check's worth of work all the
 * same and answers false: how long a sign-in takes says nothing about whether the name exists.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parsed = stored === null ? null : parseHash(stored);
  const tooLong = Buffer.byteLength(password.normalize('NFKC'), 'utf8') > PASSWORD_MAX_BYTES; // never chosen, never scrypt's input
  if (parsed === null || tooLong) {
    await derive(password.slice(0, PASSWORD_MAX_BYTES), randomBytes(SALT_BYTES), SCRYPT);
    return false;
  }
  const key = await derive(password, parsed.salt, parsed, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/** Whether `stored` was made with weaker parameters than today's (or cannot be read): hash again at the next sign-in. */
export function needsRehash(stored: string): boolean {
  const parsed = parseHash(stored);
  return parsed === null || parsed.N < SCRYPT.N || parsed.r < SCRYPT.r || parsed.p < SCRYPT.p || parsed.salt.length < SALT_BYTES;
}
