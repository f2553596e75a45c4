// The views of a moderator's day, in Chromium on a real omv serve: a user's summary, entries and
// record; who was there and the connection lists; moving through time (a visible selection that a
// drag out of the chart keeps, zoom out one step, the list's span on the chart, go to a date, a
// scrollbar over the whole range); wide actions with their exact count, progress and undo;
// pseudonyms on every name; a readable audit trail; a report's reporter and searchable
// descriptions; a purged room; one content column. Screenshots of each, light and dark.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { RoomSummary } from '../shared/api.js';
import { busySpecs } from './support/busyRooms.js';
import { omv } from './support/cli.js';
import { dayDesk, ONE_TO_ONE } from './support/dayDesk.js';
import { callViewer, deskTests, done, endDeskTest, fetchAudit, screenshot, type Desk } from './support/desk.js';
import { assertNoRealIds } from './support/pseudonymCheck.js';
import { averageColour, colourDistance } from './support/pixels.js';

deskTests();

const count = async (desk: Desk, filter: object) => (await callViewer<{ total: number }>(desk, 'countEntries', { filter })).total;

/** The times of the timeline's rows on screen, in order. */
const rowTimes = (page: Page) =>
  page.locator('.timeline .entry-time time').evaluateAll((els) => els.map((el) => Date.parse(el.getAttribute('datetime')!)));

describe("a moderator's day, view by view", () => {
  afterEach(endDeskTest);

  test("a user's view: a one-line summary, their entries at once, rooms by activity, and their record", async () => {
    const desk = await dayDesk();
    // Something on the record: the report against alice_42 decided, a note and a tag on her, a tag on one of her messages.
    await callViewer(desk, 'setReportStatus', { id: 1, status: 'actioned', reason: 'confirmed' });
    await callViewer(desk, 'addWatchTerms', { text: 'pimp' });
    await callViewer(desk, 'checkWatchExisting', {});
    for (const scheme of ['light', 'dark'] as const) {
      const page = await desk.open(scheme);
      await page.locator(`[data-room="${ONE_TO_ONE}"]`).click();
      await page.locator('.timeline .entry-user', { hasText: 'alice_42' }).first().click();
      const view = page.getByTestId('user-view');
      await view.waitFor();
      assert.match(await page.getByTestId('user-summary').innerText(), /^2 entries in 1 room · first seen/);
      const record = page.getByTestId('user-record');
      await record.locator('[data-testid=record-report-1]').waitFor();
      assert.match(await record.innerText(), /reports against them\s*#1 Offensive\s*actioned\s*by bob/i);
      assert.match(await record.innerText(), /reports they made\s*none/);
      assert.match(await page.getByTestId('user-watch-matches').innerText(), /^1: “pimp”/);
      // Her entries are on screen at once, beside the record, not below a wall of rooms.
      // Measured in one step: a row drawn again between a wait and a boundingBox() reads as null.
      const bottom = await view
        .locator('.timeline .entry')
        .first()
        .evaluate((row) => row.getBoundingClientRect().bottom);
      assert.ok(bottom < 860, `the first entry is above the fold (it ends at y=${bottom})`);
      await screenshot(page, `user-record-${scheme}`);
      // The record's report opens the report.
      await page.getByTestId('record-report-1').click();
      await page.getByTestId('report-view').waitFor();
      await done(page);
    }
    // Rooms ranked by activity, the top ten, all on demand: u1 of the busy rooms, in five rooms, most in room-25? Each has the same share here,
    // so a user in more rooms than ten is made: one message in each of 12 rooms, more in some.
    for (let r = 0; r < 12; r++)
      await desk.deliver(
        {
          [`side-${r}`]: Array.from({ length: r + 1 }, (_, i) => ({
            ts: Date.UTC(2024, 4, 1, r, i),
            user: 'wanderer',
            content: `here ${i}`,
          })),
        },
        `w${r}`,
      );
    const page = await desk.open();
    await page.getByTestId('search').fill('from:wanderer');
    await page.getByTestId('filter-count').filter({ hasText: '78 entries' }).waitFor();
    await page.locator('.timeline .entry-user', { hasText: 'wanderer' }).last().click();
    const rooms = page.getByTestId('user-rooms');
    await rooms.locator('li').first().waitFor();
    assert.deepEqual((await rooms.locator('li .linkish').allInnerTexts()).slice(0, 3), ['#side-11', '#side-10', '#side-9']);
    assert.equal(await rooms.locator('li').count(), 10);
    await page.getByTestId('user-all-rooms').click();
    assert.equal(await rooms.locator('li').count(), 12);
    await done(page);
  });

  test('who was there at an entry, from the roster, joins, leaves and messages; the connection lists as they came', async () => {
    const desk = await dayDesk();
    const page = await desk.open();
    await page.locator('[data-room=lobby]').click();
    const gina = page.locator('.timeline .entry', { hasText: 'gina, after the roster' });
    await gina.click();
    await page.keyboard.press('w');
    const people = page.getByTestId('presence-people');
    await people.locator('li').first().waitFor();
    // The roster said erin and frank; frank left; gina wrote. zoe and yann were before the roster.
    assert.deepEqual((await people.locator('li .linkish').allInnerTexts()).sort(), ['erin', 'gina']);
    assert.match(
      await page.getByTestId('presence-source').innerText(),
      /From the room's roster of .* \(2 listed\), then 2 joins, leaves and messages/,
    );
    assert.deepEqual(await page.getByTestId('presence-connections').locator('li').allInnerTexts(), ['erin → gina']);
    await page.keyboard.press('Escape');
    await page.getByTestId('nav-snapshots').click();
    const lists = page.locator('[data-snapshot]');
    await lists.first().waitFor();
    assert.equal(await lists.count(), 2);
    await page.locator('[data-snapshot^=rooms]').click();
    const roster = page.getByTestId('snapshot-view');
    await roster.locator('tbody tr').first().waitFor();
    assert.match(await roster.innerText(), /#lobby\s+2\s+erin\s*frank/);
    await page.getByTestId('back').click();
    await page.locator('[data-snapshot^=connections]').click();
    await page.getByTestId('snapshot-view').locator('tbody tr').first().waitFor();
    assert.deepEqual(await page.getByTestId('snapshot-view').locator('tbody tr').allInnerTexts(), [
      'erin\tgina',
      'session 9f2c0e7a\tfrank',
    ]);
    await done(page);
  });

  test('time: the selection is seen over the bars while dragged, a drag out of the chart still zooms, zoom out one step, the list marked on the chart', async () => {
    const desk = await dayDesk();
    const page = await desk.open();
    await page.locator('[data-room=room-25]').click();
    await page.locator('.main-head h1', { hasText: '#room-25' }).waitFor();
    const plot = page.getByTestId('histogram-plot');
    await plot.locator('.histogram-bar').first().waitFor();
    // The tallest bar's middle: a pixel of bar, whatever is painted behind it.
    const bars = await plot.locator('.histogram-bar').evaluateAll((els) =>
      els.map((el) => {
        const box = el.getBoundingClientRect();
        return { x: box.x + box.width / 2, y: box.y + box.height / 2, height: box.height };
      }),
    );
    const tallest = bars.reduce((best, bar, i) => (bar.height > bars[best]!.height ? i : best), 10);
    const at = bars[tallest]!;
    // The middle of a bar: what shows there before and while it is selected (the bar is drawn 75% opaque).
    const pixel = () => averageColour(page, { x: at.x - 1, y: at.y - 1, width: 3, height: 3 });
    const before = await pixel();
    await page.mouse.move(bars[tallest - 5]!.x, at.y);
    await page.mouse.down();
    await page.mouse.move(bars[tallest + 5]!.x, at.y, { steps: 4 });
    await page.getByTestId('histogram-selection').waitFor();
    const shaded = colourDistance(await pixel(), before);
    assert.ok(shaded >= 40, `the selection shades the bar it covers (by ${Math.round(shaded)}; painted behind it, it would by a few)`);
    await screenshot(page, 'chart-drag-light');
    // Out of the chart, below it: the drag goes on, and letting go there zooms.
    await page.mouse.move(bars[tallest + 8]!.x, at.y + 200, { steps: 4 });
    assert.equal(await page.getByTestId('histogram-selection').count(), 1, 'leaving the chart keeps the selection');
    await page.mouse.up();
    const chip = page.getByTestId('range-clear');
    await chip.waitFor();
    const first = await chip.innerText();
    // A second zoom, then one step out: back to the first range, then to none.
    await plot.locator('.histogram-bar').first().waitFor();
    await plot.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Enter');
    await page.waitForFunction((was) => document.querySelector('[data-testid=range-clear]')?.textContent !== was, first);
    await page.getByTestId('zoom-out').click();
    await chip.filter({ hasText: first }).waitFor();
    await page.getByTestId('zoom-out').click();
    await chip.waitFor({ state: 'detached' });
    // The list's span is marked on the chart.
    await page.getByTestId('histogram-visible').waitFor();
    await done(page);
  });

  test('time: go to a date lands there; the scrollbar reaches the oldest entry of the whole range', async () => {
    const desk = await dayDesk();
    const specs = busySpecs().filter((s) => s.room === 'room-25');
    const page = await desk.open();
    await page.getByTestId('zone-toggle').click(); // UTC: the date typed is the date meant
    await page.getByTestId('zone-toggle').filter({ hasText: 'UTC' }).waitFor();
    await page.locator('[data-room=room-25]').click();
    await page.getByTestId('timeline').waitFor();
    // Between two entries: the one after is selected and on screen.
    const target = specs[1234]!.ts - 30_000;
    await page.getByTestId('jump-to-time').fill(new Date(target).toISOString().slice(0, 19));
    await page.getByTestId('jump-to').getByRole('button', { name: 'Go' }).click();
    const landed = page.locator('.timeline .entry.focused time');
    await landed.waitFor();
    assert.equal(Date.parse((await landed.getAttribute('datetime'))!), specs[1234]!.ts);
    const times = await rowTimes(page);
    assert.ok(times.includes(specs[1233]!.ts), 'the entry before it is loaded above it');
    await screenshot(page, 'jump-to-date-light');
    // The scrollbar spans the whole range: Home there opens the room's first entry.
    await page.getByTestId('time-scrollbar').focus();
    await page.keyboard.press('Home');
    await page.waitForFunction(
      (ts) => document.querySelector('.timeline .entry time')?.getAttribute('datetime') === new Date(ts).toISOString(),
      specs[0]!.ts,
    );
    // Dragging its thumb to the bottom comes back to the newest.
    const bar = (await page.getByTestId('time-scrollbar').boundingBox())!;
    await page.mouse.move(bar.x + bar.width / 2, bar.y + 5);
    await page.mouse.down();
    await page.mouse.move(bar.x + bar.width / 2, bar.y + bar.height - 1, { steps: 5 });
    await page.mouse.up();
    await page.locator('.timeline .entry', { hasText: `n${busySpecs().length - 5}` }).waitFor();
    await done(page);
  });

  test('tag all: the exact count first, progress, the count tagged, and one undo back to none; both audited', async () => {
    const desk = await dayDesk();
    const page = await desk.open();
    await page.getByTestId('search').fill('spam');
    const hits = await count(desk, { text: 'spam' });
    await page
      .getByTestId('tag-all-hits')
      .filter({ hasText: `Tag all ${hits} hits…` })
      .click();
    assert.equal(await page.getByTestId('tag-all-count').innerText(), `${hits} entries`);
    await page.getByTestId('tag-all-choice').selectOption('spam');
    await page.getByTestId('tag-all-apply').click();
    await page
      .getByTestId('tag-all-done')
      .filter({ hasText: `Tagged ${hits} entries “spam”.` })
      .waitFor();
    assert.equal(await count(desk, { tag: 'spam' }), hits);
    await screenshot(page, 'tag-all-done-light');
    await page.getByTestId('tag-all-undo').click();
    await page.getByTestId('tag-all-undone').waitFor();
    assert.equal(await count(desk, { tag: 'spam' }), 0);
    await page.keyboard.press('Escape');
    // The notice under the heading said it, and says the undo.
    await page.getByTestId('bulk-notice').waitFor();
    const audit = await fetchAudit(desk);
    assert.deepEqual(
      audit
        .filter((row) => row.action === 'tagged' || row.action === 'untagged')
        .map((row) => [row.action, (row.details as { batch?: number }).batch]),
      [
        ['tagged', 1],
        ['untagged', 1],
      ],
    );
    await done(page);
  });

  test('mark reviewed up to the selected entry or the end of the zoomed range, and undo; audited', async () => {
    const desk = await dayDesk();
    const page = await desk.open();
    await page.locator('[data-room=room-25]').click();
    const rows = page.locator('.timeline .entry');
    await rows.nth(5).waitFor();
    // The timeline opens on its newest entries: picked once it is there (before, its first rows
    // drawn at the top are gone from the page when it has scrolled to its end).
    await page.waitForFunction(() => {
      const timeline = document.querySelector<HTMLElement>('.timeline');
      return timeline !== null && timeline.scrollTop > 0 && timeline.scrollTop + timeline.clientHeight >= timeline.scrollHeight - 1;
    });
    // The entry is picked by its time, read before the click: the timeline draws only the rows near
    // the screen, so once it scrolls to the row clicked or takes a page above it, "the 4th row drawn"
    // is another entry (read after the click, it named an entry 20 rows earlier than the one marked).
    // The 4th from the last drawn: on screen, near its end.
    const pickedTime = (await rows.nth(-4).locator('time').getAttribute('datetime'))!;
    await rows.filter({ has: page.locator(`time[datetime="${pickedTime}"]`) }).click();
    await page.locator(`.timeline .entry.selected time[datetime="${pickedTime}"]`).waitFor();
    const pickedTs = Date.parse(pickedTime);
    await page.getByTestId('mark-reviewed').click();
    await page.getByTestId('mark-upto-selected').check();
    await screenshot(page, 'mark-reviewed-light');
    await page.getByTestId('mark-reviewed-confirm').click();
    const after = busySpecs().filter((s) => s.room === 'room-25' && s.ts > pickedTs).length;
    await page
      .getByTestId('unreviewed-count')
      .filter({ hasText: new RegExp(`^${after} unreviewed`) })
      .waitFor();
    await page.getByTestId('bulk-undo').click();
    await page.getByTestId('bulk-notice').filter({ hasText: 'not marked reviewed' }).waitFor();
    await page
      .getByTestId('unreviewed-count')
      .filter({ hasText: /^2,800 unreviewed$/ })
      .waitFor();
    // Zoomed to a range: up to its end.
    const plot = page.getByTestId('histogram-plot');
    await plot.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('Enter');
    await page.getByTestId('range-clear').waitFor();
    await page.getByTestId('mark-reviewed').click();
    await page.getByTestId('mark-upto-range').check();
    await page.getByTestId('mark-reviewed-confirm').click();
    await page.getByTestId('bulk-notice').filter({ hasText: 'marked reviewed up to' }).waitFor();
    const marks = (await fetchAudit(desk))
      .filter((row) => row.action === 'reviewed' || row.action === 'review undone')
      .map((row) => row.action);
    assert.deepEqual(marks, ['reviewed', 'review undone', 'reviewed']);
    await done(page);
  });

  test('pseudonyms on: the 1:1 room named after both, the search box, notes, the report and the audit trail name nobody; the export says it carries pseudonyms', async () => {
    const desk = await dayDesk();
    await callViewer(desk, 'addNote', { target: 'room', targetId: 6, text: 'alice_42 and bob argue here daily' });
    const page = await desk.open('dark');
    await page.getByTestId('pseudonymise').click();
    await page.locator('[data-testid=pseudonymise][aria-pressed=true]').waitFor();
    const room = page.locator('.room', { hasText: /#user-[0-9a-z]{1,6} ↔ user-[0-9a-z]{1,6}/ });
    await room.waitFor();
    await room.click();
    const real = /\b(alice_42|bob)\b/;
    await page.locator('.timeline .entry').first().waitFor();
    const alice = (await page.locator('.timeline .entry-user').last().innerText()).trim();
    assert.match(alice, /^user-[0-9a-z]{1,6}$/);
    await assertNoRealIds(page, 'the 1:1 room', alice, real);
    await page.getByTestId('room-review').click();
    await page.getByTestId('tag-editor').locator('.note-text').waitFor();
    await assertNoRealIds(page, "the room's notes", alice, real);
    await page.keyboard.press('Escape');
    // A user opened from the list: the search box says from: with the pseudonym, and reading it back finds her entries.
    await page.getByTestId('search').fill(`from:${alice}`);
    await page
      .getByTestId('filter-count')
      .filter({ hasText: /^2 entries$/ })
      .waitFor();
    await assertNoRealIds(page, 'a search by pseudonym', alice, real);
    await page.getByTestId('search').fill('');
    await page.getByTestId('nav-reports').click();
    await page.locator('[data-report-id="1"]').click();
    await page.getByTestId('report-view').locator('.report-description').waitFor();
    await assertNoRealIds(page, 'the report', alice, real);
    await screenshot(page, 'pseudonyms-report-dark');
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-view').locator('[data-audit-action=note]').waitFor();
    await assertNoRealIds(page, 'the audit trail', alice, real);
    await screenshot(page, 'pseudonyms-audit-dark');
    // An export with pseudonyms on carries them, and says so.
    await page.locator(`.room`, { hasText: /↔/ }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-button').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    assert.doesNotMatch(csv, real);
    assert.match(csv, new RegExp(`,${alice},`));
    await page.getByTestId('export-panel').filter({ hasText: 'users by their pseudonyms' }).waitFor();
    const exported = (await fetchAudit(desk)).find((row) => row.action === 'export');
    assert.equal((exported?.details as { ids: string }).ids, 'pseudonymous');
    await done(page);
  });

  test('the audit trail reads as fields, in the zone chosen; a report opens its reporter; report descriptions are searched', async () => {
    const desk = await dayDesk();
    await callViewer(desk, 'markReviewed', { room: 'lobby', upTo: Date.UTC(2024, 2, 5, 12) });
    const lobby = (await callViewer<RoomSummary[]>(desk, 'rooms', {})).find((room) => room.name === 'lobby')!;
    await callViewer(desk, 'addNote', { target: 'room', targetId: lobby.id, text: 'loud tonight' });
    const page = await desk.open();
    await page.getByTestId('zone-toggle').click();
    await page.getByTestId('nav-audit').click();
    const row = page.locator('[data-audit-action=reviewed]');
    await row.waitFor();
    assert.match(await row.innerText(), /reviewed\s+#lobby\s+up to\s+2024-03-05 12:00:00Z/);
    // A note on a room names the room and its domain, not the room's id in this database.
    const note = await page.locator('[data-audit-action=note] .audit-target').innerText();
    assert.equal(note, `room #lobby · ${lobby.domainId || 'no domain'}`);
    assert.doesNotMatch(await page.getByTestId('audit-view').innerText(), /[{}]|"upTo"|1709640000000/);
    await screenshot(page, 'audit-readable-light');
    // Descriptions: the main search offers the reports that hold a word, and the queue searches them.
    await page.getByTestId('search').fill('pimp');
    await page.getByTestId('search-reports').filter({ hasText: '1 abuse report mentions “pimp”' }).click();
    await page.getByTestId('reports-view').waitFor();
    await page.locator('[data-report-id="1"]').waitFor();
    assert.equal(await page.getByTestId('reports-search').inputValue(), 'pimp');
    await page.getByTestId('reports-search').fill('nothing like it');
    await page.locator('[data-report-id]').first().waitFor({ state: 'detached' });
    await page.getByTestId('reports-search').fill('PRIVATE CHAT');
    await page.locator('[data-report-id="1"]').click();
    await page.getByTestId('report-reporter').click();
    await page.getByTestId('user-view').waitFor();
    assert.match(await page.locator('.user-head h2').innerText(), /^bob/);
    await done(page);
  });

  test('a room a purge emptied says it was purged, and when', async () => {
    const desk = await dayDesk();
    const purged = await omv(['purge', '--db', `${desk.dataDir}/omv.sqlite`, '--before', '2024-03-02T12:00:00Z'], {
      env: { ...process.env, OMV_MODERATOR: 'mod-purge' },
    });
    assert.equal(purged.code, 0, purged.stderr);
    const page = await desk.open();
    const room = page.locator(`[data-room="${ONE_TO_ONE}"]`);
    // The report (open) keeps its message: the 1:1 room keeps one entry. A room with nothing left is made for it.
    await room.waitFor();
    await desk.deliver({ attic: [{ ts: Date.UTC(2020, 0, 1), user: 'old', content: 'long ago' }] }, 'attic');
    const again = await omv(['purge', '--db', `${desk.dataDir}/omv.sqlite`, '--before', '2021-01-01'], {
      env: { ...process.env, OMV_MODERATOR: 'mod-purge' },
    });
    assert.equal(again.code, 0, again.stderr);
    await page.reload();
    const attic = page.locator('[data-room=attic]');
    await attic
      .getByTestId('room-purged')
      .filter({ hasText: /^purged \d{4}-\d{2}-\d{2}$/ })
      .waitFor();
    await attic.click();
    await page
      .locator('.timeline-empty')
      .filter({ hasText: /^Nothing left here: a purge on .* removed every entry before 2021-01-01/ })
      .waitFor();
    await screenshot(page, 'purged-room-light');
    await done(page);
  });

  test('layout: one content column in All rooms whatever the room names; lists inside their panels; nothing over the header', async () => {
    const desk = await dayDesk();
    await desk.deliver(
      { [`a-room-with-a-very-long-name-${'x'.repeat(60)}`]: [{ ts: Date.UTC(2024, 2, 10, 17, 30), user: 'u', content: 'a long name' }] },
      'long',
    );
    const page = await desk.open();
    await page.locator('.timeline .entry', { hasText: 'a long name' }).waitFor();
    const starts = await page
      .locator('.timeline .entry-body')
      .evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().x)));
    assert.equal(new Set(starts).size, 1, `content starts at ${[...new Set(starts)].join(', ')}`);
    await page.getByTestId('nav-reports').click();
    const row = page.locator('[data-report-id="1"]');
    await row.waitFor();
    const [rowBox, panel] = await Promise.all([row.boundingBox(), page.locator('.report-panel').boundingBox()]);
    assert.ok(rowBox!.x + rowBox!.width <= panel!.x + panel!.width + 0.5, 'the report row stays in its panel');
    await row.click();
    const messages = await page.getByTestId('report-messages').boundingBox();
    const view = await page.getByTestId('report-view').boundingBox();
    assert.ok(
      messages!.x >= view!.x && messages!.x + messages!.width <= view!.x + view!.width + 0.5,
      'the reported messages stay in the view',
    );
    const recording = page.locator('.report-recording');
    const line = await recording.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 20);
    assert.ok((await recording.boundingBox())!.height < line * 1.5, 'the recording id is one line');
    await done(page);
  });
});
