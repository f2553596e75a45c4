// The viewer's secrets. Nothing the browser sends by itself (a cookie) opens it: cookies ignore
// ports, so a cookie of ours would reach every other server on 127.0.0.1, and whoever runs one
// could replay it from curl. Instead:
// - the launch key, printed in the viewer URL, is exchanged by the page for a page key of its own
//   (kept in the tab's sessionStorage, which is per origin, port included);
// - every API call carries a key in the `x-omv-key` header: the page's, or the launch key (a
//   script of the operator's, who has the URL);
// - what the browser fetches without our headers (a download) carries a ticket in its URL that
//   opens one request, once, for a minute.
import { createHash, randomBytes } from 'node:crypto';
import { secretMatches } from '../net/access.js';

/** Pages opened since launch that are remembered; a longer-running launch forgets the oldest. */
const MAX_PAGES = 1000;
const TICKET_MS = 60_000;

// Keys are looked up by their SHA-256: how long a lookup takes says nothing about a key.
const digest = (key: string) => createHash('sha256').update(key).digest('base64url');
const newKey = () => randomBytes(24).toString('base64url');

export class PageKeys {
  private readonly pages = new Set<string>();
  private readonly tickets = new Map<string, number>();

  constructor(private readonly launchKey: string) {}

  isLaunchKey(given: string | undefined): boolean {
    return secretMatches(given, this.launchKey);
  }

  /** A new page's own key, for a page that showed the launch key. */
  openPage(): string {
    const key = newKey();
    this.pages.add(digest(key));
    if (this.pages.size > MAX_PAGES) this.pages.delete(this.pages.values().next().value!);
    return key;
  }

  /** Whether an `x-omv-key` header opens the API. */
  authorises(given: string | undefined): boolean {
    return given !== undefined && given !== '' && (this.isLaunchKey(given) || this.pages.has(digest(given)));
  }

  /** A ticket for one request the browser makes without our headers. */
  ticket(now = Date.now()): string {
    for (const [ticket, expires] of this.tickets) if (expires <= now) this.tickets.delete(ticket);
    const ticket = newKey();
    this.tickets.set(digest(ticket), now + TICKET_MS);
    return ticket;
  }

  /** Whether `given` is a live ticket; it is used up either way. */
  redeem(given: string | null, now = Date.now()): boolean {
    if (!given) return false;
    const key = digest(given);
    const expires = this.tickets.get(key);
    this.tickets.delete(key);
    return expires !== undefined && expires > now;
  }
}
