// Debian's Chromium driven by Playwright, with the flags this closed network needs (no
// background connections, no component updates). Used by the UI bench and the e2e tests.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env['OMV_CHROMIUM'] ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}
