// What omv serve prints once the receiver listens: the URL (or a URL per domain) to give the vendor.
import { forTerminal } from '../../shared/visibleText.js';
import type { Receiver } from '../intake/receiver/server.js';

export function announceReceiver(receiver: Receiver): string {
  const domainUrls = receiver.domainCallbackUrls;
  return (
    `omv: receiving callbacks at ${receiver.callbackUrl}${domainUrls.length ? ' (every domain not named below)' : ''}\n` +
    domainUrls.map(({ domainId, url }) => `omv: receiving callbacks for domainID ${forTerminal(domainId)} at ${url}\n`).join('') +
    `omv: give the vendor ${domainUrls.length ? 'each domain its URL' : 'this URL'}; it adds ?function=…&domainID=…&callID=… itself. Ctrl-C stops.\n`
  );
}
