// A moderator's day at a million entries (Chromium on a real omv serve over a generated database,
// imported once for this file): 1,000,000 entries in 500 rooms, one of 200,000, and user_1 in
// every room. The user view shows entries above the fold; paging reaches the 10,000th hit; a jump
// to a date lands there; the chart's selection is seen over the bars; a tag-all tags exactly the
// count it showed, and its undo leaves none. What each should show is read from the database
// with plain SQL, not from the desk.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../main/store/db.js';
import { omv } from './support/cli.js';
import { callViewer, deskTests, done, newDesk, screenshot, stopDesks, type Desk } from './support/desk.js';
import { writeSyntheticFile } from './support/syntheticFile.js';
import { averageColour, colourDistance } from './support/pixels.js';

deskTests();

const ENTRIES = 1_000_000;
let desk: Desk;
let dbPath: string;

before(async () => {
  desk = await newDesk('mod-scale', {
    prepare: async (path) => {
      dbPath = path;
      const file = join(path, '..', 'million.xml');
      await writeSyntheticFile(file, { entries: ENTRIES, rooms: 500, firstRoom: 200_000, seed: 7 });
      const imported = await omv(['import', '--db', path, file]);
      assert.equal(imported.code, 0, imported.stderr);
    },
  });
});
after(stopDesks);

/** Plain SQL over the database the desk serves (read-only, beside it). */
function sql<T>(query: string, ...args: unknown[]): T {
  const db = openDatabase(dbPath, { readOnly: true });
  try {
    return db
      .prepare(query)
      .pluck()
      .get(...args) as T;
  } finally {
    db.close();
  }
}

describe('a day at a million entries', () => {
  test('the database is what the day needs: a million entries, a room of 200,000, a user in 300+ rooms', () => {
    assert.equal(sql<number>('SELECT count(*) FROM entries'), ENTRIES);
    assert.equal(sql<number>("SELECT entry_count FROM rooms WHERE name = 'room-0'"), 200_000);
    assert.ok(
      sql<number>("SELECT count(DISTINCT room_id) FROM entries WHERE user_id = (SELECT id FROM users WHERE user_id = 'user_1')") >= 300,
    );
  });

  test('a user active in every room: the summary, the top ten rooms, and their entries above the fold', async () => {
    const rooms = sql<number>(
      "SELECT count(DISTINCT room_id) FROM entries WHERE user_id = (SELECT id FROM users WHERE user_id = 'user_1')",
    );
    const entries = sql<number>("SELECT count(*) FROM entries WHERE user_id = (SELECT id FROM users WHERE user_id = 'user_1')");
    const page = await desk.open('light', { width: 1360, height: 900 });
    await page.getByTestId('search').fill('from:user_1');
    await page
      .getByTestId('filter-count')
      .filter({ hasText: `${entries.toLocaleString('en-US')} entries` })
      .waitFor();
    await page
      .locator('.timeline .entry-user', { hasText: /^user_1$/ })
      .last()
      .click();
    const view = page.getByTestId('user-view');
    await view.waitFor();
    await page
      .getByTestId('user-summary')
      .filter({ hasText: `${entries.toLocaleString('en-US')} entries in ${rooms} rooms` })
      .waitFor();
    const first = view.locator('.timeline .entry').first();
    await first.waitFor();
    // Measured where the row is, in one step: the timeline may draw its rows again between a
    // wait and a measurement (boundingBox() of a row drawn again is null).
    const bottom = await first.evaluate((row) => row.getBoundingClientRect().bottom);
    assert.ok(bottom <= 900, `the first entry ends at y=${bottom}, in a 900 px window`);
    assert.equal(await page.getByTestId('user-rooms').locator('li').count(), 10);
    assert.equal(await page.getByTestId('user-all-rooms').innerText(), `all ${rooms} rooms`);
    await screenshot(page, 'scale-user-light');
    await done(page);
  });

  test('paging reaches the 10,000th hit of a common word, exactly the one SQL says', async () => {
    const total = sql<number>(`SELECT count(*) FROM entries_fts WHERE entries_fts MATCH '"hello"'`);
    const tenThousandth = sql<number>(
      `SELECT id FROM entries WHERE id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH '"hello"') ORDER BY ts DESC, id DESC LIMIT 1 OFFSET 9999`,
    );
    const page = await desk.open();
    await page.getByTestId('search').fill('hello');
    await page
      .getByTestId('result-count')
      .filter({ hasText: new RegExp(`^${total.toLocaleString('en-US')} hits$`) })
      .waitFor({ timeout: 15_000 });
    await page.getByTestId('hits-page-size').selectOption('1000');
    await page.getByTestId('hits-shown').filter({ hasText: '1–1,000 shown' }).waitFor();
    for (let i = 1; i < 10; i++) {
      await page.getByTestId('hits-older').click();
      await page
        .getByTestId('hits-shown')
        .filter({ hasText: `${(i * 1000 + 1).toLocaleString('en-US')}–` })
        .waitFor({ timeout: 15_000 });
    }
    await page.getByTestId('hits-shown').filter({ hasText: '9,001–10,000 shown' }).waitFor();
    assert.equal(await page.getByTestId('search-hits').locator('.entry').last().getAttribute('id'), `entry-${tenThousandth}`);
    await screenshot(page, 'scale-hit-10000-light');
    await done(page);
  });

  test('a jump to a date in the room of 200,000 lands on the first entry at or after it', async () => {
    const from = sql<number>("SELECT min(ts) FROM entries WHERE room_id = (SELECT id FROM rooms WHERE name = 'room-0')");
    const to = sql<number>("SELECT max(ts) FROM entries WHERE room_id = (SELECT id FROM rooms WHERE name = 'room-0')");
    const target = Math.floor((from + (to - from) * 0.37) / 1000) * 1000;
    const expected = sql<number>(
      "SELECT id FROM entries WHERE room_id = (SELECT id FROM rooms WHERE name = 'room-0') AND ts >= ? ORDER BY ts, id LIMIT 1",
      target,
    );
    const page = await desk.open();
    await page.getByTestId('zone-toggle').click();
    await page.getByTestId('zone-toggle').filter({ hasText: 'UTC' }).waitFor();
    await page.locator('[data-room=room-0]').click();
    await page.getByTestId('timeline').waitFor();
    await page.getByTestId('jump-to-time').fill(new Date(target).toISOString().slice(0, 19));
    await page.getByTestId('jump-to').getByRole('button', { name: 'Go' }).click();
    const landed = page.locator('.timeline .entry.focused');
    await landed.waitFor();
    assert.equal(await landed.getAttribute('id'), `entry-${expected}`);
    await page.waitForFunction(() => {
      const row = document.querySelector('.entry.focused')?.getBoundingClientRect();
      const list = document.querySelector('.timeline')?.getBoundingClientRect();
      return !!row && !!list && row.top >= list.top && row.bottom <= list.bottom;
    });
    await screenshot(page, 'scale-jump-light');
    await done(page);
  });

  test("the chart's selection is seen over the bars while it is dragged", async () => {
    const page = await desk.open();
    const plot = page.getByTestId('histogram-plot');
    await plot.locator('.histogram-bar').first().waitFor();
    const bars = await plot.locator('.histogram-bar').evaluateAll((els) =>
      els.map((el) => {
        const box = el.getBoundingClientRect();
        return { x: box.x + box.width / 2, y: box.y + box.height / 2, height: box.height };
      }),
    );
    const tallest = bars.reduce((best, bar, i) => (i > 10 && i < bars.length - 10 && bar.height > bars[best]!.height ? i : best), 10);
    const at = bars[tallest]!;
    const area = { x: at.x - 1, y: at.y - 1, width: 3, height: 3 };
    const before = await averageColour(page, area);
    await page.mouse.move(bars[tallest - 4]!.x, at.y);
    await page.mouse.down();
    await page.mouse.move(bars[tallest + 4]!.x, at.y, { steps: 4 });
    await page.getByTestId('histogram-selection').waitFor();
    const shaded = colourDistance(await averageColour(page, area), before);
    assert.ok(shaded >= 40, `the selection shades the bars it covers (by ${Math.round(shaded)})`);
    await screenshot(page, 'scale-chart-drag-light');
    await page.mouse.up();
    await page.getByTestId('range-clear').waitFor();
    await done(page);
  });

  test('tag all: the count shown first is the count tagged; one undo leaves none', async () => {
    const page = await desk.open();
    await page.getByTestId('search').fill('kaka in:room-0');
    const shown = page.getByTestId('tag-all-hits');
    await shown.waitFor({ timeout: 15_000 });
    const count = Number(/Tag all ([\d,]+) hits/.exec(await shown.innerText())![1]!.replace(/,/g, ''));
    assert.equal(
      count,
      sql<number>(
        `SELECT count(*) FROM entries WHERE room_id = (SELECT id FROM rooms WHERE name = 'room-0') AND id IN (SELECT rowid FROM entries_fts WHERE entries_fts MATCH '"kaka"')`,
      ),
    );
    await shown.click();
    await page.getByTestId('tag-all-choice').selectOption('spam');
    await page.getByTestId('tag-all-apply').click();
    await page
      .getByTestId('tag-all-done')
      .filter({ hasText: `Tagged ${count.toLocaleString('en-US')} entries “spam”.` })
      .waitFor({ timeout: 30_000 });
    assert.equal((await callViewer<{ total: number }>(desk, 'countEntries', { filter: { tag: 'spam' } })).total, count);
    await page.getByTestId('tag-all-undo').click();
    await page.getByTestId('tag-all-undone').waitFor({ timeout: 30_000 });
    assert.equal((await callViewer<{ total: number }>(desk, 'countEntries', { filter: { tag: 'spam' } })).total, 0);
    await done(page);
  });
});
