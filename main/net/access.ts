// Who may talk to our HTTP listeners: the receiver (the vendor's callbacks) and browser mode's
// viewer both bind loopback by default and check secrets the same way.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A host name or address to listen on that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || isLoopbackAddress(host);
}

/** A peer's address (as a socket reports it, IPv4-mapped or not) on this machine. */
export function isLoopbackAddress(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address));
}

/** Whether `given` is the secret, in time that does not depend on how much of it matches. */
export function secretMatches(given: string | undefined, secret: string): boolean {
  if (!given) return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(secret));
}

/**
 * Why a request looks like one a web page made (a form another site auto-submits, a fetch), or
 * null. Browsers name the page's origin on every cross-origin POST and say which site sent a
 * request (`Sec-Fetch-Site`); a server-side HTTP client, the vendor's, sends neither. Loopback is
 * no defence by itself: any page the moderator opens can post to 127.0.0.1.
 */
export function browserCrossSiteSignal(headers: IncomingHttpHeaders): string | null {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'none' && site !== 'same-origin') return `a web page sent it (Sec-Fetch-Site: ${site})`;
  if (headers.origin !== undefined) return `a web page sent it (Origin: ${headers.origin})`;
  return null;
}
