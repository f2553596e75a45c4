// The desk over a PostgreSQL store, end to end: `omv serve --store postgres://…` with its viewer,
// real callbacks into a throwaway cluster, Debian's Chromium. The desk reads what PostgreSQL holds
// (rooms, the timeline, live arrivals, search with its highlights and count, an entry in context),
// hostile text stays text; a file imported through the page, the room exported as a download.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLE_PERMISSIONS } from '../shared/access.js';
import { messagesXml } from './support/payloads.js';
import { callViewerAnswer, deskTests, done, endDeskTest, lobbyDesk, screenshot } from './support/desk.js';
import { postgresSkipReason, query, startPostgres } from './support/postgres.js';

const skip = postgresSkipReason();

describe('the desk on PostgreSQL', { skip }, () => {
  if (!skip) deskTests();
  afterEach(endDeskTest);

  test('the desk reads what PostgreSQL received: rooms, the timeline, a live callback, a search and its context; hostile text stays text', async () => {
    const cluster = await startPostgres();
    const desk = await lobbyDesk({ store: cluster.url });
    const page = await desk.open();
    await page.locator('[data-room=games]').click();
    await page.locator('.main-head h1', { hasText: '#games' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 1);
    assert.deepEqual(await page.locator('.timeline .entry-content').allInnerTexts(), ['good game everyone']);
    await page.locator('.room', { hasText: 'All rooms' }).click();
    // A callback arrives while the desk is open: it shows without a reload.
    assert.equal(
      (await desk.deliver({ lobby: [{ ts: Date.UTC(2024, 2, 1, 12), user: 'newcomer', content: 'a unicorn just arrived' }] }, 'live-1'))
        .status,
      200,
    );
    await page.locator('.entry', { hasText: 'a unicorn just arrived' }).waitFor();
    await page.getByTestId('search').fill('chatter');
    await page.getByTestId('result-count').filter({ hasText: '60 hits' }).waitFor();
    assert.equal(await page.locator('[data-testid=search-results] mark').first().innerText(), 'chatter');
    await page.getByTestId('search').fill('unicorn');
    await page.getByTestId('result-count').filter({ hasText: '1 hit' }).waitFor();
    await page.locator('.entry', { hasText: 'unicorn' }).getByRole('button', { name: 'context ›' }).click();
    await page.locator('.entry.focused', { hasText: 'unicorn' }).waitFor();
    // The hostile message is on the page as text, and ran nothing.
    await page.getByTestId('search').fill('from:mallory');
    await page.getByTestId('result-count').filter({ hasText: '1 hit' }).waitFor();
    assert.equal(await page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);
    // The page lives beside any console error a failed call would log: none was made.
    assert.equal(await page.getByTestId('part-failed').count(), 0);
    await screenshot(page, 'pg-desk-light');
    await done(page);
    // A purge through the viewer's API is answered from PostgreSQL: a dry run counts, and removes nothing.
    const dryRun = await callViewerAnswer(desk, 'purge', { before: Date.UTC(2030, 0, 1), dryRun: true });
    assert.deepEqual([dryRun.status, dryRun.ok, (dryRun.value as { removed: number }).removed], [200, true, 64]);
    assert.deepEqual(await query(cluster.url, "SELECT count(*)::int AS n FROM entries WHERE content LIKE '%chatter%'"), [{ n: 60 }]);
  });

  test('imports through the UI and exports as a download on PostgreSQL: the new room appears, the CSV is the room, the trail has both; the session offers them', async () => {
    const cluster = await startPostgres();
    const desk = await lobbyDesk({ store: cluster.url });
    assert.deepEqual(((await callViewerAnswer(desk, 'session', {})).value as { permissions: string[] }).permissions, [
      ...ROLE_PERMISSIONS.admin,
    ]);
    const page = await desk.open();
    const file = join(desk.dataDir, 'saved-archive.xml');
    writeFileSync(
      file,
      messagesXml({
        'imported-room': [
          { ts: Date.UTC(2024, 2, 1, 9), user: 'old', content: 'from a saved file' },
          { ts: Date.UTC(2024, 2, 1, 10), user: 'old', type: 'leave' },
        ],
      }),
    );
    await page.getByTestId('file-input').setInputFiles(file);
    const results = page.getByTestId('import-results');
    await results.waitFor();
    assert.match(await results.innerText(), /new saved-archive\.xml — 2 entries, 2 new/);
    await page.locator('[data-room=imported-room]').click();
    await page.locator('.main-head h1', { hasText: '#imported-room' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-button').click()]);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trimEnd()
      .split('\r\n');
    assert.equal(lines[0], 'entry_id,time_utc,timestamp_ms,domain_id,room,type,user_id,display_name,invisible,content,source,call_id');
    assert.equal(lines.length, 3);
    assert.match(lines[1]!, /,imported-room,msg,old,,false,from a saved file,import,$/);
    // The UI hears how the export went (live events from the server that wrote it).
    await page.getByTestId('export-panel').filter({ hasText: 'Exported 2 entries to CSV, users by their IDs.' }).waitFor();
    await done(page);
    assert.deepEqual(
      await query(cluster.url, "SELECT action FROM audit_log WHERE action IN ('import', 'export started', 'export') ORDER BY id"),
      [{ action: 'import' }, { action: 'export started' }, { action: 'export' }],
    );
  });
});
