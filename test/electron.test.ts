// The desktop app through Playwright's Electron driver — where an Electron binary exists. On
// machines without one (no download possible) it says so and skips; browser mode's end-to-end
// tests cover the same UI and API there.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { test } from 'node:test';
import { _electron as electron } from 'playwright-core';
import { buildElectronNativeBinding, electronVersion, findElectronBinary } from '../main/electron/runtime.js';
import { callbackUrl, postForm } from './support/http.js';
import { SEED_XML } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const binary = findElectronBinary();

test('the desktop app: hardened window, live callback, search', { skip: binary ? false : 'skipped: no Electron runtime' }, async () => {
  const native = buildElectronNativeBinding(ROOT, electronVersion()!);
  assert.ok(native.path, `better-sqlite3 for Electron: ${native.reason}`);
  const app = await electron.launch({
    executablePath: binary!,
    args: [join(ROOT, 'dist/main/electron/main.js')],
    env: { ...process.env, OMV_DB: join(tempDir(), 'omv.sqlite'), OMV_PORT: '0', OMV_NATIVE_BINDING: native.path! },
  });
  try {
    const page = await app.firstWindow();
    // No Node in the page, and the bridge carries exactly the listed calls.
    const exposed = await page.evaluate(() => {
      const g = globalThis as { require?: unknown; process?: unknown; omv?: object };
      return { require: typeof g.require, process: typeof g.process, bridge: Object.keys(g.omv ?? {}).sort() };
    });
    assert.deepEqual(exposed, { require: 'undefined', process: 'undefined', bridge: ['call', 'exportCsv', 'importFiles', 'onEvent'] });
    const url = (await page.getByTestId('status-bar').locator('code').innerText()).trim();
    const answer = await postForm(callbackUrl(url, { function: 'sendOfflineMessages', domainID: 'example.com', callID: 'e1' }), SEED_XML);
    assert.equal(answer.status, 200);
    await page.locator('.entry', { hasText: 'this is my message' }).waitFor();
    await page.getByTestId('search').fill('message');
    await page.getByTestId('result-count').filter({ hasText: '1 hit' }).waitFor();
  } finally {
    await app.close();
  }
});
