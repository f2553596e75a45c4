// An entry's buttons (who was there, tag / note, context) float over the end of its row when it is
// hovered or selected. They must not hide what the moderator is acting on: the end of the
// message's first line, the tags it carries, its note count. Measured in Chromium, on rows whose
// text ends everywhere along the line, in a room's timeline and in search hits.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { callViewer, deskTests, done, endDeskTest, newDesk, screenshot } from './support/desk.js';
import type { EntrySpec } from './support/payloads.js';

deskTests();

const BASE = Date.UTC(2024, 4, 2, 8, 0);
const WORDS = ['report', 'spam', 'link', 'offer', 'free', 'coins', 'now', 'here', 'click', 'win'];

/** Messages of every length from a few words to a few lines, one a minute. */
const messages: EntrySpec[] = Array.from({ length: 48 }, (_, i) => ({
  ts: BASE + i * 60_000,
  user: `user${i % 4}`,
  content: Array.from({ length: 3 + (i % 24) * 3 }, (_, w) => WORDS[(i + w) % WORDS.length]).join(' '),
}));

interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Each row's buttons, and what they lie over: text of the message, tag chips, the note count. */
async function overlaps(page: Page, rows: string): Promise<string[]> {
  return page.locator(rows).evaluateAll((elements) => {
    const boxes = (list: ArrayLike<Element | Range>): Box[] =>
      Array.from(list)
        .flatMap((item) => Array.from(item.getClientRects()))
        .filter((r) => r.width > 0 && r.height > 0);
    const meets = (a: Box, b: Box) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const found: string[] = [];
    for (const row of elements) {
      const buttons = boxes(row.querySelectorAll('.entry-actions button'));
      if (buttons.length === 0) found.push(`${row.id}: no buttons`);
      const text = document.createRange();
      text.selectNodeContents(row.querySelector('.entry-content')!);
      const shown: Array<[string, Box[]]> = [
        ['text', boxes([text])],
        ['tag', boxes(row.querySelectorAll('.tag-chip'))],
        ['notes', boxes(row.querySelectorAll('.entry-notes'))],
      ];
      for (const [what, parts] of shown)
        if (parts.some((part) => buttons.some((button) => meets(part, button)))) found.push(`${row.id}: buttons over its ${what}`);
    }
    return found;
  });
}

describe("an entry's buttons", () => {
  afterEach(endDeskTest);

  test('hide none of the message, its tags or its notes, in a timeline and in search hits, at any width', async () => {
    const desk = await newDesk();
    assert.equal((await desk.deliver({ lobby: messages }, 'rows-1')).status, 200);
    await callViewer(desk, 'createTag', { name: 'needs-second-look', colour: '#d9480f' });
    await callViewer(desk, 'tag', { tag: 'needs-second-look', target: 'entry', filter: { room: 'lobby' } });
    const { entries } = await callViewer<{ entries: Array<{ id: number }> }>(desk, 'timeline', { filter: { room: 'lobby' }, limit: 100 });
    await callViewer(desk, 'addNote', { target: 'entry', targetId: entries.at(-2)!.id, text: 'same link as yesterday' });

    for (const width of [1500, 1100]) {
      const page = await desk.open('light', { width, height: 900 });
      await page.getByTestId('room-list').getByText('lobby').click();
      const rows = '.timeline .entry';
      await page.locator(`${rows} .tag-chip`).first().waitFor();
      await page.locator('.timeline .entry-notes').first().waitFor();
      await page.locator(rows).nth(3).click();
      assert.equal(
        await page
          .locator(`${rows}.selected .entry-open`)
          .first()
          .evaluate((b) => getComputedStyle(b).opacity),
        '1',
      );
      assert.ok((await page.locator(rows).count()) >= 10, 'rows of the timeline are shown');
      assert.deepEqual(await overlaps(page, rows), [], `timeline at ${width} px`);
      await screenshot(page, `row-buttons-timeline-${width}`);

      await page.getByTestId('search').fill('spam');
      await page.getByTestId('search').press('Enter');
      const hits = '[data-testid=search-hits] .entry';
      await page.locator(`${hits} .tag-chip`).first().waitFor();
      await page.locator(hits).nth(1).hover();
      assert.deepEqual(await overlaps(page, hits), [], `search hits at ${width} px`);
      await done(page);
    }
  });
});
