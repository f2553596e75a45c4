// The secret a callback URL carries in its path (/callback/SECRET): one for every domain
// (`--token SECRET`, `--callback-secret SECRET`) and one for each domain that is named
// (`--callback-secret DOMAIN=SECRET`). A callback is accepted when the secret in its path is its
// domainID's; a domain with no secret (only on loopback) is called at the bare /callback. One
// mechanism for the receiver now and the team server later (which will require a secret off
// loopback).
import { secretMatches } from './access.js';

export interface CallbackSecrets {
  /** The secret of every domain not named in `byDomain`, or null for none. */
  readonly everyDomain: string | null;
  readonly byDomain: ReadonlyMap<string, string>;
}

export const NO_CALLBACK_SECRETS: CallbackSecrets = { everyDomain: null, byDomain: new Map() };

/** A mistake in the secrets given: said to the operator as it is. */
export class CallbackSecretError extends Error {}

/**
 * The secrets from the command line: each `--callback-secret` value is `SECRET` (every domain) or
 * `DOMAIN=SECRET`; `--token` is the same as a secret for every domain (so a secret for every
 * domain cannot contain `=`: give it with --token).
 */
export function parseCallbackSecrets(values: readonly string[], token: string | null = null): CallbackSecrets {
  let everyDomain: string | null = null;
  const byDomain = new Map<string, string>();
  for (const value of values) {
    const equals = value.indexOf('=');
    if (equals === -1) {
      if (value === '') throw new CallbackSecretError('--callback-secret needs a secret (SECRET or DOMAIN=SECRET), not an empty one');
      if (everyDomain !== null)
        throw new CallbackSecretError('one secret for every domain, please: --token and --callback-secret SECRET are the same thing');
      everyDomain = value;
      continue;
    }
    const domain = value.slice(0, equals);
    const secret = value.slice(equals + 1);
    if (domain === '' || secret === '') throw new CallbackSecretError(`--callback-secret takes DOMAIN=SECRET with both, not "${value}"`);
    if (byDomain.has(domain)) throw new CallbackSecretError(`--callback-secret names the domain "${domain}" twice`);
    byDomain.set(domain, secret);
  }
  return withSecretForEveryDomain({ everyDomain, byDomain }, token || null);
}

/** `--token` given beside the secrets: the secret for every domain (it may not be a second one). */
export function withSecretForEveryDomain(secrets: CallbackSecrets, token: string | null): CallbackSecrets {
  if (token === null || token === secrets.everyDomain) return secrets;
  if (secrets.everyDomain !== null)
    throw new CallbackSecretError('one secret for every domain, please: --token and --callback-secret SECRET are the same thing');
  return { ...secrets, everyDomain: token };
}

/** The secret a callback for this domainID must carry, or null when it needs none. */
export function secretFor(secrets: CallbackSecrets, domainId: string): string | null {
  return secrets.byDomain.get(domainId) ?? secrets.everyDomain;
}

/** True when no callback, whatever its domainID, is taken without a secret. */
export function everyDomainNeedsSecret(secrets: CallbackSecrets): boolean {
  return secrets.everyDomain !== null;
}

/**
 * Whether a callback for `domainId` that carried `given` in its path (null: the bare /callback)
 * may be taken. A secret where none is expected is refused too: a vendor still calling an old URL
 * should hear so, not be taken in silently.
 */
export function callbackSecretAccepted(secrets: CallbackSecrets, domainId: string, given: string | null): boolean {
  const expected = secretFor(secrets, domainId);
  if (expected === null) return given === null;
  return given !== null && secretMatches(given, expected);
}

/**
 * The secret a request path carries: null for the bare `/callback` (or `/callback/`), the decoded
 * secret for `/callback/SECRET`; undefined when the path is not the callback's.
 */
export function secretInCallbackPath(pathname: string): string | null | undefined {
  if (pathname === '/callback' || pathname === '/callback/') return null;
  const match = /^\/callback\/([^/]+)\/?$/.exec(pathname);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}

/** The path a domain's callbacks go to: /callback, or /callback/SECRET. */
export function callbackPath(secret: string | null): string {
  return `/callback${secret === null ? '' : `/${encodeURIComponent(secret)}`}`;
}
