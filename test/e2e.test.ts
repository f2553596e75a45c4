// The moderator's desk end to end (see support/desk.ts): each test starts its own server on its
// own database and delivers the data it reads. Screenshots of the main views land in
// test-results/screenshots/ (light and dark) for a person to look at; axe findings in test-results/axe/.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { callbackUrl, postForm } from './support/http.js';
import {
  axe,
  deskTests,
  endDeskTest,
  describeViolations,
  done,
  forgetPageErrors,
  lobbyDesk,
  newDesk,
  screenshot,
  stopDesks,
  XSS,
} from './support/desk.js';
import { messagesXml } from './support/payloads.js';

deskTests();

describe('the desk in a browser', () => {
  afterEach(endDeskTest);

  test('the timeline opens on the newest entries; hostile content is shown as text and runs nothing', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    const xssRow = page.locator('.entry', { hasText: 'onerror' });
    await xssRow.waitFor();
    assert.equal(await xssRow.locator('.entry-content').innerText(), XSS);
    assert.equal(await page.locator('.timeline img, .timeline script').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    await screenshot(page, 'timeline-light');
    await done(page);
  });

  test('a callback appears live, without a reload', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.getByTestId('timeline').waitFor();
    const answer = await desk.deliver(
      { lobby: [{ ts: Date.UTC(2024, 2, 1, 12), user: 'newcomer', content: 'a unicorn just arrived' }] },
      'live-1',
    );
    assert.equal(answer.status, 200);
    await page.locator('.entry', { hasText: 'a unicorn just arrived' }).waitFor();
    await page.getByTestId('deliveries-today').filter({ hasText: '3 today' }).waitFor();
    await done(page);
  });

  test('search finds and highlights; a hit opens in its context; Esc goes back', async () => {
    const desk = await lobbyDesk();
    await desk.deliver({ lobby: [{ ts: Date.UTC(2024, 2, 1, 12), user: 'newcomer', content: 'a unicorn just arrived' }] }, 'unicorn');
    const page = await desk.open();
    await page.getByTestId('timeline').waitFor();
    await page.keyboard.press('/');
    await page.keyboard.type('unicorn');
    await page.getByTestId('result-count').filter({ hasText: '1 hit' }).waitFor();
    assert.equal(await page.locator('[data-testid=search-results] mark').first().innerText(), 'unicorn');
    await screenshot(page, 'search-light');
    await page.locator('.entry', { hasText: 'unicorn' }).getByRole('button', { name: 'context ›' }).click();
    const focused = page.locator('.entry.focused');
    await focused.waitFor();
    await page.waitForFunction(() => {
      const row = document.querySelector('.entry.focused')?.getBoundingClientRect();
      const list = document.querySelector('.timeline')?.getBoundingClientRect();
      return !!row && !!list && row.top >= list.top && row.bottom <= list.bottom;
    });
    assert.match(await focused.innerText(), /a unicorn just arrived/);
    assert.ok((await page.locator('.timeline .entry').count()) > 10, 'the surrounding entries are shown');
    assert.match(await page.locator('.main-head h1').innerText(), /#lobby around/);
    await screenshot(page, 'context-light');
    await page.locator('.timeline').focus();
    await page.keyboard.press('Escape');
    await page.getByTestId('search-results').waitFor();
    await done(page);
  });

  test('while searching, the chart shows the hits over time', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.getByTestId('histogram').and(page.locator('[data-what=activity]')).waitFor();
    await page.getByTestId('search').fill('chatter');
    const chart = page.getByTestId('histogram').and(page.locator('[data-what=hits]'));
    await chart.waitFor();
    // 60 hits in the first hour: the bars add up to the hits, the hostile message (no "chatter") is not among them.
    await page.waitForFunction(() => document.querySelector('[data-what=hits]:not(.histogram-stale)'));
    const titles = await chart.locator('.histogram-bar title').allTextContents();
    const total = titles.reduce((sum, title) => sum + Number(/: ([\d,]+) hits$/.exec(title)![1]!.replace(/,/g, '')), 0);
    assert.equal(total, 60);
    await done(page);
  });

  test('filters narrow: a room, a user, a type; a bad filter is explained, not a crash', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.locator('[data-room=games]').click();
    await page.locator('.main-head h1', { hasText: '#games' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 1);
    assert.deepEqual(await page.locator('.timeline .entry-content').allInnerTexts(), ['good game everyone']);
    await page.locator('.room', { hasText: 'All rooms' }).click();
    await page.getByTestId('search').fill('type:join');
    await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 1);
    assert.deepEqual(await page.locator('.timeline .entry-event').allInnerTexts(), ['joined']);
    await page.getByTestId('search').fill('from:user3 in:lobby');
    await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 10);
    assert.deepEqual(new Set(await page.locator('.timeline .entry-user').allInnerTexts()), new Set(['user3']));
    await page.getByTestId('search').fill('after:someday chatter');
    assert.match(await page.getByTestId('search-errors').innerText(), /after: "someday" is not a date/);
    // -word alone is a query: every entry without the word (the join in the lobby, the games room, the hostile message).
    await page.getByTestId('search').fill('-chatter');
    await page
      .getByTestId('result-count')
      .filter({ hasText: /^3 hits/ })
      .waitFor();
    assert.equal(await page.getByTestId('search-errors').count(), 0);
    // A time without a zone is UTC's: a desk showing another local time says so; one given a zone, or in UTC, not.
    const [newYork, utc] = [
      await desk.open('light', undefined, undefined, 'America/New_York'),
      await desk.open('light', undefined, undefined, 'UTC'),
    ];
    await newYork.getByTestId('search').fill('after:2023-11-14T10:00 chatter');
    assert.match(
      await newYork.getByTestId('utc-times').innerText(),
      /^after:2023-11-14T10:00: read as UTC, while the list shows your local time/,
    );
    await newYork.getByTestId('search').fill('after:2023-11-14T10:00-05:00 chatter');
    await newYork.getByTestId('utc-times').waitFor({ state: 'detached' }); // a zone given
    await utc.getByTestId('search').fill('after:2023-11-14T10:00 chatter');
    await utc.getByTestId('result-count').waitFor();
    assert.equal(await utc.getByTestId('utc-times').count(), 0, 'a desk whose local time is UTC');
    await Promise.all([newYork.close(), utc.close()]);
    await done(page);
  });

  test('a search inside a room says so, and offers every room with its count', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.locator('[data-room=games]').click();
    await page.locator('.main-head h1', { hasText: '#games' }).waitFor();
    await page.getByTestId('search').fill('chatter');
    await page.getByTestId('result-count').filter({ hasText: '0 hits in #games' }).waitFor();
    const widen = page.getByTestId('search-all-rooms');
    await widen.waitFor();
    assert.match(await widen.innerText(), /All rooms: 60 hits/);
    await screenshot(page, 'search-in-room-light');
    await widen.click();
    await page
      .getByTestId('result-count')
      .filter({ hasText: /^60 hits/ })
      .waitFor();
    assert.match(await page.locator('.main-head h1').innerText(), /All rooms/);
    await done(page);
  });

  test('a long room name stays clear of its count', async () => {
    const desk = await newDesk();
    const long = `a-room-with-a-very-long-name-${'x'.repeat(60)}`;
    await desk.deliver({ [long]: [{ ts: Date.UTC(2024, 2, 1, 13), user: 'u', content: 'in a long-named room' }] }, 'long-name');
    const page = await desk.open();
    const room = page.locator(`[data-room="${long}"]`);
    await room.waitFor();
    const [box, name, count] = await Promise.all([
      room.boundingBox(),
      room.locator('.room-name').boundingBox(),
      room.locator('.room-count').boundingBox(),
    ]);
    assert.ok(box && name && count);
    assert.ok(count.x - (name.x + name.width) >= 4, `the name (to ${name.x + name.width}) runs into the count (from ${count.x})`);
    assert.ok(
      count.x + count.width <= box.x + box.width,
      `the count (to ${count.x + count.width}) is pushed out of its row (to ${box.x + box.width})`,
    );
    await done(page);
  });

  test('a user link shows all their activity', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.locator('[data-room=games]').click();
    await page.locator('.entry-user', { hasText: 'gamer' }).first().click();
    const view = page.getByTestId('user-view');
    await view.waitFor();
    assert.match(await view.locator('.user-head').innerText(), /gamer[\s\S]*1 entry in 1 room/);
    assert.match(await view.getByTestId('user-rooms').innerText(), /#games/);
    await screenshot(page, 'user-light');
    await done(page);
  });

  test('a row pressed right after the timeline is moved up from its newest entries stays under the pointer, and its user opens', async () => {
    const desk = await lobbyDesk();
    /** The lobby on a page of its own, opened on its newest entries and stuck to them. */
    const lobbyAtItsEnd = async () => {
      const page = await desk.open();
      await page.locator('[data-room=lobby]').click();
      await page.locator('.timeline .entry', { hasText: 'onerror' }).waitFor();
      await page.waitForFunction(() => {
        const timeline = document.querySelector<HTMLElement>('.timeline')!;
        return timeline.scrollTop > 0 && timeline.scrollTop + timeline.clientHeight >= timeline.scrollHeight - 1;
      });
      return page;
    };
    // A row drawn above the screen is scrolled into view and pressed before the scroll's event
    // (which comes on the next frame), as a click on a row not yet on screen does.
    const page = await lobbyAtItsEnd();
    const moved = await page.evaluate(async () => {
      const timeline = document.querySelector<HTMLElement>('.timeline')!;
      const user = document.querySelector<HTMLElement>('.timeline .entry-user')!;
      user.scrollIntoView({ block: 'center' });
      const before = { scrollTop: timeline.scrollTop, top: user.getBoundingClientRect().top };
      user.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, button: 0 }));
      for (let i = 0; i < 5; i++) await Promise.resolve();
      return { before, after: { scrollTop: timeline.scrollTop, top: user.isConnected ? user.getBoundingClientRect().top : null } };
    });
    assert.deepEqual(moved.after, moved.before, 'the row pressed left from under the pointer');
    await done(page);
    // The same through a click on a user drawn above the screen: it opens the user.
    const clicked = await lobbyAtItsEnd();
    await clicked.locator('.timeline .entry-user', { hasText: 'user3' }).first().click();
    await clicked.getByTestId('user-view').waitFor();
    await done(clicked);
  });

  test('import through the UI shows progress and results, and the new room appears', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open('dark');
    const file = join(desk.dataDir, 'saved-archive.xml');
    writeFileSync(
      file,
      messagesXml(
        {
          'imported-room': [
            { ts: 1_000, user: 'old', content: 'from a saved file' },
            { ts: 2_000, user: 'old', type: 'leave' },
          ],
        },
        {},
        'messageArchive',
      ),
    );
    await page.getByTestId('file-input').setInputFiles(file);
    const results = page.getByTestId('import-results');
    await results.waitFor();
    assert.match(await results.innerText(), /new saved-archive\.xml — 2 entries, 2 new/);
    await page.locator('[data-room=imported-room]').waitFor();
    // Its entries are from 1970, decades before the rest: the chart leaves them out, and says so.
    await page.getByTestId('outliers-before').filter({ hasText: '+2 earlier' }).waitFor();
    await screenshot(page, 'import-dark');
    await done(page);
  });

  test('export downloads exactly the current filter as CSV', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.locator('[data-room=games]').click();
    await page.locator('.main-head h1', { hasText: '#games' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-button').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    assert.equal(lines[0], 'entry_id,time_utc,timestamp_ms,domain_id,room,type,user_id,display_name,invisible,content,source,call_id');
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /,example\.com,games,msg,gamer,,false,good game everyone,callback,seed-1$/);
    // The UI hears how the export went (live events from the server that wrote it).
    await page.getByTestId('export-panel').filter({ hasText: 'Exported 1 entry to CSV, users by their IDs.' }).waitFor();
    await done(page);
  });

  test('the quarantine is one click from the status bar, a modal dialog that keeps focus and gives it back', async () => {
    const desk = await newDesk();
    await postForm(
      callbackUrl(desk.callbackUrl, { function: 'sendOfflineMessages', callID: 'broken' }),
      '<messageOffline><room></messageOffline>',
    );
    const page = await desk.open('dark');
    const opener = page.getByTestId('quarantine-button').filter({ hasText: '1 quarantined' });
    await opener.click();
    const dialog = page.getByTestId('quarantine-dialog');
    await dialog.waitFor();
    assert.equal(await dialog.getAttribute('aria-labelledby'), 'dialog-title');
    assert.ok(await dialog.evaluate((element) => element.matches(':modal')), 'the dialog is modal');
    assert.ok(await dialog.evaluate((element) => element.contains(document.activeElement)), 'focus moved into the dialog');
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      const inside = await dialog.evaluate(
        (element) => element.contains(document.activeElement) || document.activeElement === document.body,
      );
      assert.ok(inside, `Tab ${i + 1} left the dialog`);
    }
    assert.match(await dialog.innerText(), /malformed payload at 1:\d+/);
    await dialog.locator('.quarantine-row').click();
    await dialog.locator('pre').waitFor();
    assert.equal(await dialog.locator('pre').innerText(), '<messageOffline><room></messageOffline>');
    await screenshot(page, 'quarantine-dark');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'quarantine-button');
    await done(page);
  });

  test('the chart works from the keyboard: arrows pick a time, Shift widens, Enter zooms in', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    const slider = page.getByRole('slider', { name: /activity over time/ });
    await slider.focus();
    await page.keyboard.press('Home');
    assert.match((await slider.getAttribute('aria-valuetext'))!, /^2024-03-01 \d\d:00:00Z?: [\d,]+ entries$/);
    await page.keyboard.press('Shift+ArrowRight');
    assert.match((await slider.getAttribute('aria-valuetext'))!, / to /);
    await page.keyboard.press('Enter');
    await page.locator('.main-head .chip').waitFor();
    await done(page);
  });

  test("an entry's context control shows when it has keyboard focus", async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.getByTestId('search').fill('chatter');
    await page.getByTestId('search-hits').waitFor();
    const open = page.getByTestId('search-hits').getByRole('button', { name: 'context ›' }).last();
    await open.waitFor({ state: 'attached' });
    await open.focus();
    assert.equal(await open.evaluate((element) => getComputedStyle(element).opacity), '1');
    await done(page);
  });

  test('a call that fails is shown to the moderator, not swallowed', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.getByTestId('timeline').waitFor();
    // The rows come first and the room list after them: the room to click is listed before omv stops.
    await page.locator('[data-room=games]').waitFor();
    desk.stop();
    await page.locator('[data-room=games]').click();
    await page.getByTestId('error-notice').first().waitFor();
    assert.match(await page.getByTestId('error-notice').first().innerText(), /fetch/i);
    forgetPageErrors(); // the browser's own log of the refused connection
    await done(page);
  });

  test('dark theme follows the OS', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open('dark');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(background, 'rgb(18, 21, 27)');
    await screenshot(page, 'timeline-dark');
    await done(page);
  });

  test('the main views have no serious or critical accessibility findings (axe), light and dark', async () => {
    const desk = await lobbyDesk();
    await postForm(
      callbackUrl(desk.callbackUrl, { function: 'sendOfflineMessages', callID: 'broken' }),
      '<messageOffline><room></messageOffline>',
    );
    for (const scheme of ['light', 'dark'] as const) {
      const page = await desk.open(scheme);
      const findings: string[] = [];
      const check = async (name: string) => {
        const serious = await axe(page, `${name}-${scheme}`);
        if (serious.length) findings.push(`${name} (${scheme}):\n${describeViolations(serious)}`);
      };
      await page.getByTestId('timeline').locator('.entry').first().waitFor();
      await check('timeline');
      await page.getByTestId('search').fill('chatter');
      await page.getByTestId('search-hits').waitFor();
      await check('search');
      await page.locator('.entry', { hasText: 'number 30' }).getByRole('button', { name: 'context ›' }).click();
      await page.locator('.entry.focused').waitFor();
      await check('context');
      await page.locator('.entry-user').first().click();
      await page.getByTestId('user-view').waitFor();
      await check('user');
      await page.getByTestId('quarantine-button').click();
      await page.getByTestId('quarantine-dialog').waitFor();
      await check('quarantine');
      assert.deepEqual(findings, []);
      await done(page);
    }
  });
});

describe("the viewer's API guards private chat logs", () => {
  let viewerUrl: string;
  before(async () => {
    viewerUrl = (await newDesk()).viewerUrl;
  });
  after(stopDesks);
  const origin = () => new URL(viewerUrl).origin;
  const call = (headers: Record<string, string>) =>
    fetch(`${origin()}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

  // How the key travels (a header, never a cookie): viewerKey.test.ts.
  test('no key: 401; a wrong key: 403', async () => {
    assert.equal((await call({})).status, 401);
    assert.equal((await call({ cookie: 'omv_key=guess' })).status, 401);
    assert.equal((await fetch(`${origin()}/?key=guess`, { redirect: 'manual' })).status, 403);
  });

  test('only our own page may call: another origin (another port on 127.0.0.1 shares the site) is refused', async () => {
    const key = new URL(viewerUrl).searchParams.get('key')!;
    const otherPort = `http://127.0.0.1:${Number(new URL(viewerUrl).port) + 1}`;
    assert.equal((await call({ 'x-omv-key': key, origin: otherPort })).status, 403);
    assert.equal((await call({ 'x-omv-key': key, 'sec-fetch-site': 'same-site' })).status, 403);
    assert.equal((await call({ 'x-omv-key': key, 'sec-fetch-site': 'cross-site' })).status, 403);
    assert.equal((await call({ 'x-omv-key': key, origin: origin(), 'sec-fetch-site': 'same-origin' })).status, 200);
  });

  test('an upload must say it is one (a cross-site form cannot), a bad path is a 400, an unknown user finds nothing', async () => {
    const key = new URL(viewerUrl).searchParams.get('key')!;
    const upload = (type: string) =>
      fetch(`${origin()}/api/import?name=x.xml`, {
        method: 'POST',
        headers: { 'content-type': type, 'x-omv-key': key },
        body: '<messageOffline/>',
      });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])
      assert.equal((await upload(type)).status, 415, type);
    assert.equal((await fetch(`${origin()}/%`)).status, 400);
    const search = await fetch(`${origin()}/api/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-omv-key': key },
      body: JSON.stringify({ filter: { text: 'chatter', user: 'nobody-at-all' }, limit: 50 }),
    });
    assert.deepEqual(await search.json(), { ok: true, value: { hits: [], total: 0, capped: false } });
  });

  test('a foreign Host header (DNS rebinding) is refused even with the key', async () => {
    const key = new URL(viewerUrl).searchParams.get('key')!;
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${origin()}/api/rooms`,
        { method: 'POST', headers: { host: 'evil.example:80', 'content-type': 'application/json', 'x-omv-key': key } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(status, 403);
  });
});
