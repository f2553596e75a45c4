// Who may talk to our HTTP listeners: the receiver (the vendor's callbacks) and browser mode's
// viewer both bind loopback by default and check secrets the same way.
import { createHash, timingSafeEqual } from 'node:crypto';

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
