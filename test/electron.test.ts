// The desktop app through Playwright's Electron driver, wherever an Electron binary exists or can
// be downloaded (under xvfb on a headless Linux). Where it cannot, as on machines without network
// access, it prints its skip line; browser mode's end-to-end tests cover the same UI and API there.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { test } from 'node:test';
import { _electron as electron } from 'playwright-core';
import { findElectronBinary } from '../main/electron/runtime.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml, SEED_XML } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

const DESKTOP_MAIN = fileURLToPath(new URL('../main/electron/main.js', import.meta.url));
const binary = findElectronBinary();

test(
  'the desktop app: hardened window, live callback, search, import through IPC, export',
  { skip: binary ? false : 'skipped: no Electron runtime' },
  async () => {
    const dir = tempDir();
    const app = await electron.launch({
      executablePath: binary!,
      args: [DESKTOP_MAIN],
      env: { ...process.env, OMV_DB: join(dir, 'omv.sqlite'), OMV_PORT: '0' },
    });
    try {
      const page = await app.firstWindow();
      assert.match(page.url(), /^omv:\/\/app\//, 'the page is served over omv://, not file://');
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
      await page.getByTestId('search').fill('');

      // Import: the page hands over File objects, the preload resolves their paths, main imports
      // them (parsing on a worker thread loaded from the app's own files).
      const file = join(dir, 'desk-import.xml');
      writeFileSync(file, messagesXml({ 'desktop-room': [{ ts: 5_000, user: 'imp', content: 'imported on the desktop' }] }));
      await page.getByTestId('file-input').setInputFiles(file);
      assert.match(await page.getByTestId('import-results').innerText(), /new desk-import\.xml — 1 entries, 1 new/);

      // Export: the save dialog answers with a path, as a moderator would.
      const out = join(dir, 'export.csv');
      await app.evaluate(({ dialog }, path) => {
        dialog.showSaveDialog = (async () => ({ canceled: false, filePath: path })) as typeof dialog.showSaveDialog;
      }, out);
      await page.locator('[data-room=desktop-room]').click();
      await page.getByTestId('export-button').click();
      await page.getByTestId('export-panel').filter({ hasText: 'Exported 1 entry' }).waitFor();
      assert.match(readFileSync(out, 'utf8'), /,desktop-room,msg,imp,,false,imported on the desktop,import,/);
    } finally {
      await app.close();
    }
  },
);
