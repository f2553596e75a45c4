// Search without silent limits, at the desk (Chromium on a real omv serve, 14,000 entries whose
// every count is known from their specs): the exact count past 10,000, paging to every hit, in:
// by the start of a name or a word with suggestions, a query with an unreadable part that runs
// not at all, -spam alone and from:u1 alone with their counts. Each failed on the desk before.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { busySpecs, hasWord, writeBusyFile, type BusySpec } from './support/busyRooms.js';
import { omv } from './support/cli.js';
import { deskTests, done, newDesk, screenshot, stopDesks, type Desk } from './support/desk.js';

deskTests();

const specs = busySpecs();
const count = (keep: (spec: BusySpec) => boolean) => specs.filter(keep).length;
const newestFirst = (keep: (spec: BusySpec) => boolean) =>
  specs
    .filter(keep)
    .map((s) => s.ts)
    .reverse();
const n = (value: number) => value.toLocaleString('en-US');

let desk: Desk;

before(async () => {
  desk = await newDesk('mod-search', {
    prepare: async (dbPath) => {
      writeBusyFile(`${dbPath}.xml`, specs);
      const imported = await omv(['import', '--db', dbPath, `${dbPath}.xml`]);
      assert.equal(imported.code, 0, imported.stderr);
    },
  });
});
after(stopDesks);

/** The hits on screen, by the time each shows (UTC: the desk is switched to it). */
async function shownTimes(page: Page): Promise<number[]> {
  const times = await page
    .locator('[data-testid=search-hits] .entry-time time')
    .evaluateAll((els) => els.map((el) => el.getAttribute('datetime')!));
  return times.map((t) => Date.parse(t));
}

async function search(page: Page, query: string): Promise<void> {
  await page.getByTestId('search').fill(query);
}

describe('search without silent limits, at the desk', () => {
  test('the count is exact past 10,000 (counted apart, shown once known), not "more than 10,000"', async () => {
    const page = await desk.open();
    await search(page, 'common');
    await page
      .getByTestId('result-count')
      .filter({ hasText: new RegExp(`^${n(count((s) => hasWord(s, 'common')))} hits$`) })
      .waitFor();
    assert.equal(await page.getByTestId('tag-all-hits').innerText(), `Tag all ${n(count((s) => hasWord(s, 'common')))} hits…`);
    await done(page);
  });

  test('every hit can be paged to, newest first: past the newest 200, to the very last', async () => {
    const page = await desk.open();
    const common = newestFirst((s) => hasWord(s, 'common'));
    await search(page, 'common');
    await page.getByTestId('hits-shown').filter({ hasText: '1–200 shown' }).waitFor();
    assert.deepEqual(await shownTimes(page), common.slice(0, 200));
    await page.getByTestId('hits-older').click();
    await page.getByTestId('hits-shown').filter({ hasText: '201–400 shown' }).waitFor();
    assert.deepEqual(await shownTimes(page), common.slice(200, 400));
    await screenshot(page, 'search-page-2-light');
    // Older pressed twice at once, the second time while the next page is on its way: the list still
    // shows the page before, whose last hit is not where a page after the next one starts. The second
    // press is not taken; the page shown is the one its range says.
    await page.getByTestId('hits-page-size').selectOption('1000');
    await page.getByTestId('hits-shown').filter({ hasText: '1–1,000 shown' }).waitFor();
    await page.getByTestId('hits-older').click();
    await page.getByTestId('hits-shown').filter({ hasText: '1,001–2,000 shown' }).waitFor();
    await page.locator('[data-testid="search-results"]:not(.results-stale)').waitFor();
    await page.getByTestId('hits-older').evaluate(async (button: HTMLButtonElement) => {
      button.click();
      await new Promise((drawn) => setTimeout(drawn, 0)); // the desk has drawn the first press, its page not yet come
      button.click();
    });
    await page.locator('[data-testid="search-results"]:not(.results-stale)').waitFor();
    assert.match((await page.getByTestId('hits-shown').textContent())!, /2,001–3,000 shown/);
    assert.deepEqual(await shownTimes(page), common.slice(2000, 3000));
    await page.getByTestId('hits-newest').click();
    // A thousand a page, to the end: the last page holds the oldest hit, and Older stops there.
    await page.getByTestId('hits-page-size').selectOption('1000');
    await page.getByTestId('hits-shown').filter({ hasText: '1–1,000 shown' }).waitFor();
    const pages = Math.ceil(common.length / 1000);
    for (let i = 1; i < pages; i++) {
      await page.getByTestId('hits-older').click();
      await page
        .getByTestId('hits-shown')
        .filter({ hasText: `${n(i * 1000 + 1)}–` })
        .waitFor();
    }
    await page
      .getByTestId('hits-shown')
      .filter({ hasText: `${n((pages - 1) * 1000 + 1)}–${n(common.length)} shown` })
      .waitFor();
    assert.deepEqual(await shownTimes(page), common.slice((pages - 1) * 1000));
    assert.equal(await page.getByTestId('hits-older').isDisabled(), true);
    // Newer goes back one page, Newest to the first.
    await page.getByTestId('hits-newer').click();
    await page
      .getByTestId('hits-shown')
      .filter({ hasText: `${n((pages - 2) * 1000 + 1)}–${n((pages - 1) * 1000)} shown` })
      .waitFor();
    await page.getByTestId('hits-newest').click();
    await page.getByTestId('hits-shown').filter({ hasText: '1–1,000 shown' }).waitFor();
    await done(page);
  });

  test('in: finds rooms by the start of their name or by a word in it, and offers them as it is typed', async () => {
    const page = await desk.open();
    const box = page.getByTestId('search');
    await box.click();
    await page.keyboard.type('spam in:room-2');
    const offered = page.getByTestId('room-suggestions');
    await offered.locator('[role=option]').first().waitFor();
    assert.deepEqual(await offered.locator('.suggestion-name').allInnerTexts(), ['#room-25', '#room-250', '#room-251']);
    await screenshot(page, 'search-suggestions-light');
    // What in:room-2 takes without choosing: every room whose name starts so.
    await page
      .getByTestId('result-count')
      .filter({ hasText: `${n(count((s) => hasWord(s, 'spam') && s.room.startsWith('room-2')))} hits` })
      .waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    assert.equal(await box.inputValue(), 'spam in:room-250 ');
    await page
      .getByTestId('result-count')
      .filter({ hasText: new RegExp(`^${n(count((s) => hasWord(s, 'spam') && s.room === 'room-250'))} hits in rooms matching`) })
      .waitFor();
    await search(page, 'spam in:259');
    await page
      .getByTestId('result-count')
      .filter({ hasText: new RegExp(`^${n(count((s) => hasWord(s, 'spam') && s.room === 'salle-259 ✨'))} hits`) })
      .waitFor();
    await done(page);
  });

  test('a query with a part that cannot be read shows the error alone: no list, no chart, no export', async () => {
    const page = await desk.open();
    await search(page, 'spam before:yesterday');
    const errors = page.getByTestId('search-errors');
    await errors.waitFor();
    assert.match(await errors.innerText(), /before: "yesterday" is not a date/);
    assert.equal(await page.getByTestId('search-results').count(), 0);
    assert.equal(await page.getByTestId('timeline').count(), 0);
    assert.equal(await page.getByTestId('histogram').count(), 0);
    assert.equal(await page.getByTestId('export-button').isDisabled(), true);
    // The error is in the view, not over the header.
    const [header, shown] = await Promise.all([page.locator('header.topbar').boundingBox(), errors.boundingBox()]);
    assert.ok(shown!.y >= header!.y + header!.height, 'the error is below the header');
    await screenshot(page, 'search-error-light');
    await search(page, 'spam');
    await page.getByTestId('search-results').waitFor();
    assert.equal(await page.getByTestId('export-button').isDisabled(), false);
    await done(page);
  });

  test('-spam alone lists every entry without spam, and counts them', async () => {
    const page = await desk.open();
    await search(page, '-spam');
    await page
      .getByTestId('result-count')
      .filter({ hasText: new RegExp(`^${n(count((s) => !hasWord(s, 'spam')))} hits$`) })
      .waitFor();
    assert.deepEqual(await shownTimes(page), newestFirst((s) => !hasWord(s, 'spam')).slice(0, 200));
    assert.equal(await page.locator('[data-testid=search-hits] .entry', { hasText: 'spam' }).count(), 0);
    await done(page);
  });

  test('from:u1 alone says exactly how many entries it selects, above them', async () => {
    const page = await desk.open();
    await search(page, 'from:u1');
    await page
      .getByTestId('filter-count')
      .filter({ hasText: new RegExp(`^${n(count((s) => s.user === 'u1'))} entries$`) })
      .waitFor();
    await page.locator('.timeline .entry-user').first().waitFor();
    assert.deepEqual(new Set(await page.locator('.timeline .entry-user').allInnerTexts()), new Set(['u1']));
    await done(page);
  });
});
