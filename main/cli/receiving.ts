// What omv serve prints once the receiver listens: the URL (or a URL per domain) to give the vendor,
// and where the viewer is.
import { forTerminal } from '../../shared/visibleText.js';
import type { Receiver } from '../intake/receiver/server.js';

export function announceReceiver(receiver: Pick<Receiver, 'callbackUrl' | 'everyDomainTaken' | 'domainCallbackUrls'>): string {
  const domainUrls = receiver.domainCallbackUrls;
  const lines = domainUrls.map(({ domainId, url }) => `omv: receiving callbacks for domainID ${forTerminal(domainId)} at ${url}`);
  if (receiver.everyDomainTaken)
    lines.unshift(`omv: receiving callbacks at ${receiver.callbackUrl}${domainUrls.length ? ' (every domain not named below)' : ''}`);
  // (A team server given secrets for named domains only: its plain callback URL would only refuse.)
  else lines.push('omv: callbacks for any other domain are refused: it has no secret (--callback-secret SECRET gives every domain one)');
  lines.push(
    `omv: give the vendor ${domainUrls.length ? 'each domain its URL' : 'this URL'}; it adds ?function=…&domainID=…&callID=… itself. Ctrl-C stops.`,
  );
  return lines.map((line) => `${line}\n`).join('');
}

/** The viewer's line: its URL, or why there is none although it was wanted (nothing when --no-viewer). */
export function announceViewer(viewerUrl: string | null, wanted: boolean, host: string): string {
  if (viewerUrl) return `omv: viewer at ${viewerUrl}\n`;
  return wanted
    ? `omv: no viewer: it answers this machine's loopback only, and ${host} is not a loopback address (serve on 127.0.0.1 for it)\n`
    : '';
}
