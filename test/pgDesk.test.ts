// The desk over a PostgreSQL store, end to end: `omv serve --store postgres://…` with its viewer,
// real callbacks into a throwaway cluster, Debian's Chromium. The desk reads what PostgreSQL holds
// (rooms, the timeline, live arrivals, search with its highlights and count, an entry in context),
// hostile text stays text; what the desk does not do on PostgreSQL yet is refused with the reason.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { pgReadRunner } from '../main/api/pgReadCalls.js';
import { createService } from '../main/api/service.js';
import { pgDeskWriter } from '../main/api/pgDeskWriter.js';
const NOT_FROM_THE_DESK_ON_POSTGRES = 'x';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { messagesXml } from './support/payloads.js';
import { tempDir } from './support/tmp.js';
import { EventHub } from '../main/api/events.js';
import { openPgEngine } from '../main/store/pg/engine.js';
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
    assert.deepEqual(await page.locator('.timeline .entry-body').allInnerTexts(), ['good game everyone']);
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
    // A purge through the viewer's API is refused with the reason.
    assert.deepEqual(await callViewerAnswer(desk, 'purge', { before: Date.UTC(2030, 0, 1) }), {
      status: 200,
      ok: false,
      error: NOT_FROM_THE_DESK_ON_POSTGRES,
    });
    assert.deepEqual(await query(cluster.url, "SELECT count(*)::int AS n FROM entries WHERE content LIKE '%chatter%'"), [{ n: 60 }]);
  });

  test('imports, exports, purges and quarantine retries from the desk are refused on PostgreSQL, saying why, nothing written; the session does not offer them', async () => {
    const cluster = await startPostgres();
    const engine = await openPgEngine(cluster.url);
    try {
      const events = new EventHub();
      const reads = pgReadRunner(engine);
      const service = createService({
        reads,
        writer: await pgDeskWriter(engine, { reads, events }),
        events,
        receiver: { callbackUrl: () => null, problem: () => null },
      });
      const actor = service.localActor();
      const session = await service.call(actor, 'session', {});
      assert.deepEqual(session.permissions, ['read', 'annotate', 'decide', 'assign', 'watchlist', 'manageUsers']);
      const counts = () =>
        query(cluster.url, `SELECT (SELECT count(*) FROM deliveries)::int AS deliveries, (SELECT count(*) FROM audit_log)::int AS trail`);
      const before = await counts();
      const file = join(tempDir(), 'a.xml');
      writeFileSync(file, messagesXml({ lobby: [{ ts: Date.UTC(2025, 0, 1), user: 'u1', content: 'imported?' }] }));
      for (const attempt of [
        () => service.importFiles(actor, { files: [{ path: file, name: 'a.xml' }] }),
        () => service.exportCsv(actor, { filter: {} }, new PassThrough(), { path: null, name: 'x.csv' }),
        () => service.call(actor, 'purge', { before: Date.UTC(2030, 0, 1) }),
        () => service.call(actor, 'retryQuarantined', {}),
      ])
        await assert.rejects(attempt, { message: NOT_FROM_THE_DESK_ON_POSTGRES });
      assert.deepEqual(await counts(), before);
    } finally {
      await engine.close();
    }
  });
});
