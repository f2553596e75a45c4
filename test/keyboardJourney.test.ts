// A moderator's day with the keyboard alone (Chromium, a real omv serve): skip links first, `/`,
// a search, ↓ into the hits, context and back to the same hit, the report queue, a report, start
// review, decide with a reason, tag a reported message — and where focus is after every step
// (never the page's body). Lists are one tab stop each, so every place is a few keys away. And
// axe finds nothing serious in any view or dialog, light and dark (their screenshots are kept).
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { dayDesk } from './support/dayDesk.js';
import { axe, deskTests, describeViolations, done, endDeskTest, fetchAudit, newDesk, screenshot } from './support/desk.js';
import { callbackUrl, postForm } from './support/http.js';
import { ABUSE_CONVERSATION_XML } from './support/payloads.js';

deskTests();

/** What has focus, told by what a test can name it by. */
async function focused(
  page: Page,
): Promise<{ testId: string | null; id: string; text: string; tag: string; label: string; active: string | null; report: string | null }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      testId: el?.getAttribute('data-testid') ?? null,
      id: el?.id ?? '',
      text: (el?.innerText ?? '').trim().slice(0, 80),
      tag: el?.tagName.toLowerCase() ?? '',
      label: el instanceof HTMLInputElement ? (el.labels?.[0]?.innerText ?? '').trim() : '',
      active: el?.getAttribute('aria-activedescendant') ?? null,
      report: el?.getAttribute('data-report-id') ?? null,
    };
  });
}

/** Presses `key` until focus is where `arrived` says, at most `most` times; answers how many presses it took. */
async function pressUntil(
  page: Page,
  key: string,
  arrived: (f: Awaited<ReturnType<typeof focused>>) => boolean,
  most: number,
): Promise<number> {
  for (let presses = 1; presses <= most; presses++) {
    await page.keyboard.press(key);
    if (arrived(await focused(page))) return presses;
  }
  assert.fail(`not there after ${most} presses of ${key}: focus is on ${JSON.stringify(await focused(page))}`);
}

/** Waits until focus is where `arrived` says (a view draws, then takes focus). */
async function focusSettles(page: Page, arrived: (f: Awaited<ReturnType<typeof focused>>) => boolean, what: string): Promise<void> {
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    if (arrived(await focused(page))) return;
    await page.waitForTimeout(50);
  }
  assert.fail(`focus did not settle on ${what}: it is on ${JSON.stringify(await focused(page))}`);
}

describe('the desk with the keyboard alone', () => {
  afterEach(endDeskTest);

  test('from / to a decided report and a tagged message, focus checked at every step', async () => {
    const desk = await dayDesk();
    const page = await desk.open();
    await page.getByTestId('timeline').waitFor();

    // The first tab stops skip to the search, the list and the chart.
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).testId, 'skip-search');
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).testId, 'skip-list');
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).testId, 'skip-chart');
    await page.keyboard.press('Enter');
    assert.equal((await focused(page)).testId, 'histogram-plot');

    // Each list is one tab stop: the rooms, the timeline (its rows' buttons are not tab stops).
    const tabStops = (selector: string) =>
      page
        .locator(selector)
        .evaluate((list) => [list, ...Array.from(list.querySelectorAll('*'))].filter((el) => (el as HTMLElement).tabIndex >= 0).length);
    assert.equal(await tabStops('[data-testid=room-list]'), 1);
    assert.equal(await tabStops('[data-testid=timeline]'), 1);

    // `/`, a search, ↓ into the hits: the first hit selected, then the second.
    await page.keyboard.press('/');
    assert.equal((await focused(page)).testId, 'search');
    await page.keyboard.type('spam in:room-25');
    await page
      .getByTestId('result-count')
      .filter({ hasText: /hits in rooms matching/ })
      .waitFor();
    await page.keyboard.press('Escape'); // the in: suggestions close; the box keeps focus
    assert.equal((await focused(page)).testId, 'search');
    await page.keyboard.press('ArrowDown');
    const hits = page.getByTestId('search-hits');
    assert.equal(await tabStops('[data-testid=search-hits]'), 1);
    const firstHit = await hits.locator('.entry').first().getAttribute('id');
    const secondHit = await hits.locator('.entry').nth(1).getAttribute('id');
    assert.deepEqual([(await focused(page)).testId, (await focused(page)).active], ['search-hits', firstHit]);
    await page.keyboard.press('ArrowDown');
    assert.equal((await focused(page)).active, secondHit);

    // Enter opens it in context: focus is on the timeline, on that entry.
    await page.keyboard.press('Enter');
    await page.locator('.main-head h1', { hasText: /#room-25 around/ }).waitFor();
    await focusSettles(page, (f) => f.testId === 'timeline' && f.active === secondHit, 'the context timeline at the hit');
    await screenshot(page, 'keyboard-context-light');

    // Esc goes back to the hits, on the same hit.
    await page.keyboard.press('Escape');
    await focusSettles(page, (f) => f.testId === 'search-hits' && f.active === secondHit, 'the hit list at the same hit');

    // The report queue is a few Tabs from the search box (the room list is one tab stop).
    await page.keyboard.press('/');
    const presses = await pressUntil(page, 'Tab', (f) => f.testId === 'nav-reports', 12);
    assert.ok(presses <= 12);
    await page.keyboard.press('Enter');
    await focusSettles(page, (f) => f.report === '1', 'the first report of the queue');
    assert.equal(await tabStops('.report-list'), 1);

    // A report opens on its heading.
    await page.keyboard.press('Enter');
    await page.getByTestId('report-view').waitFor();
    await focusSettles(page, (f) => f.id === 'view-title' && /Abuse report #1/.test(f.text), "the report's heading");

    // Start review: the status says so, and holds focus.
    await pressUntil(page, 'Tab', (f) => f.testId === 'report-to-in-review', 10);
    await page.keyboard.press('Enter');
    await page.getByTestId('report-status').filter({ hasText: 'in review' }).waitFor();
    await focusSettles(page, (f) => f.testId === 'report-status', 'the report status');

    // Deciding needs a reason: Enter in the reason makes a new line, nothing more.
    await pressUntil(page, 'Tab', (f) => f.testId === 'report-reason', 10);
    await page.keyboard.type('called the reporter a pimp twice');
    await page.keyboard.press('Enter');
    assert.equal(await page.getByTestId('report-status').textContent(), 'in review');
    await page.keyboard.type('confirmed in the room');
    await pressUntil(page, 'Tab', (f) => f.testId === 'report-to-actioned', 5);
    await page.keyboard.press('Enter');
    await page.getByTestId('report-status').filter({ hasText: 'actioned' }).waitFor();
    await focusSettles(page, (f) => f.testId === 'report-status', 'the report status, decided');

    // Tag a reported message: into its list, t, a tag, Esc; focus comes back to the list.
    await pressUntil(page, 'Tab', (f) => f.testId === 'report-messages', 10);
    await page.keyboard.press('t');
    await page.getByTestId('tag-editor').waitFor();
    assert.ok(await page.getByTestId('tag-editor').evaluate((dialog) => dialog.contains(document.activeElement)), 'focus is in the dialog');
    await pressUntil(page, 'Tab', (f) => f.tag === 'input' && f.label === 'harassment', 12);
    await page.keyboard.press('Space');
    await page.getByTestId('tag-editor').getByRole('checkbox', { name: 'harassment', checked: true }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('tag-editor').waitFor({ state: 'detached' });
    await focusSettles(page, (f) => f.testId === 'report-messages', 'the reported messages');
    await page.getByTestId('report-messages').locator('.tag-chip', { hasText: 'harassment' }).waitFor();

    const audit = await fetchAudit(desk);
    assert.deepEqual(
      audit.filter((row) => row.action === 'report status').map((row) => (row.details as { to: string }).to),
      ['in review', 'actioned'],
    );
    assert.equal(audit.filter((row) => row.action === 'tagged').length, 1);
    await done(page);
  });

  test('mark reviewed and tag all never fire from a stray key: each asks first, with nothing chosen for Enter', async () => {
    const desk = await dayDesk();
    const page = await desk.open();
    await page.locator('[data-room=lobby]').click();
    await focusSettles(page, (f) => f.testId === 'timeline', "the room's timeline");
    await page.getByTestId('mark-reviewed').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('mark-reviewed-dialog').waitFor();
    // Focus starts on the dialog's close button: a second Enter closes it, marking nothing.
    await page.keyboard.press('Enter');
    await page.getByTestId('mark-reviewed-dialog').waitFor({ state: 'detached' });
    assert.equal((await fetchAudit(desk)).filter((row) => row.action === 'reviewed').length, 0);
    await page.keyboard.press('/');
    await page.keyboard.type('spam');
    await page.getByTestId('tag-all-hits').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('tag-all').waitFor();
    await page.keyboard.press('Enter');
    await page.getByTestId('tag-all').waitFor({ state: 'detached' });
    assert.equal((await fetchAudit(desk)).filter((row) => row.action === 'tagged').length, 0);
    await done(page);
  });

  test('every view and dialog: no serious or critical accessibility findings (axe), light and dark, each kept as a screenshot', async () => {
    const desk = await dayDesk();
    for (const scheme of ['light', 'dark'] as const) {
      const page = await desk.open(scheme);
      const findings: string[] = [];
      const check = async (name: string) => {
        await page.waitForTimeout(150); // counts and lists settle
        await screenshot(page, `day-${name}-${scheme}`);
        const serious = await axe(page, `day-${name}-${scheme}`);
        if (serious.length) findings.push(`${name} (${scheme}):\n${describeViolations(serious)}`);
      };
      await page.getByTestId('timeline').waitFor();
      await check('all-rooms');
      await page.getByTestId('search').fill('common');
      await page.getByTestId('tag-all-hits').waitFor();
      await check('search');
      await page.getByTestId('search').fill('spam in:room-2');
      await page.getByTestId('room-suggestions').locator('[role=option]').first().waitFor();
      await check('search-suggestions');
      await page.getByTestId('search').fill('spam before:yesterday');
      await page.getByTestId('search-errors').waitFor();
      await check('search-error');
      await page.getByTestId('search').fill('from:u1');
      await page
        .getByTestId('filter-count')
        .filter({ hasText: /entries/ })
        .waitFor();
      await check('filter-count');
      await page.getByTestId('search').fill('common');
      await page.getByTestId('tag-all-hits').click();
      await page.getByTestId('tag-all').waitFor();
      await check('tag-all-dialog');
      await page.keyboard.press('Escape');
      await page.getByTestId('search').fill('');
      await page.locator('[data-room=lobby]').click();
      await page.locator('.timeline .entry', { hasText: 'gina, after the roster' }).click();
      await page.getByTestId('mark-reviewed').click();
      await page.getByTestId('mark-reviewed-dialog').waitFor();
      await check('mark-reviewed-dialog');
      await page.keyboard.press('Escape');
      await page.locator('.timeline .entry', { hasText: 'gina, after the roster' }).getByRole('button', { name: 'who was there' }).click();
      await page.getByTestId('presence-people').waitFor();
      await check('who-was-there');
      await page.keyboard.press('Escape');
      await page.locator('.timeline .entry', { hasText: 'gina, after the roster' }).getByRole('button', { name: 'context ›' }).click();
      await page.locator('.entry.focused').waitFor();
      await check('context');
      await page.locator('.timeline .entry-user', { hasText: 'gina' }).first().click();
      await page.getByTestId('user-record').locator('dl').waitFor();
      await check('user');
      await page.getByTestId('nav-reports').click();
      await page.locator('[data-report-id="1"]').waitFor();
      await check('reports');
      await page.locator('[data-report-id="1"]').click();
      await page.getByTestId('report-view').waitFor();
      await check('report');
      await page.getByTestId('nav-audit').click();
      await page.getByTestId('audit-view').locator('tbody tr').first().waitFor();
      await check('audit');
      await page.getByTestId('nav-snapshots').click();
      await page.locator('[data-snapshot]').first().waitFor();
      await check('connection-lists');
      await page.locator('[data-snapshot^=rooms]').click();
      await page.getByTestId('snapshot-view').locator('tbody tr').first().waitFor();
      await check('room-roster');
      await page.getByTestId('back').click();
      await page.locator('[data-snapshot^=connections]').click();
      await page.getByTestId('snapshot-view').locator('tbody tr').first().waitFor();
      await check('connection-list');
      await page.getByTestId('nav-watchlist').click();
      await page.getByTestId('watchlist-view').waitFor();
      await check('watchlist');
      assert.deepEqual(findings, []);
      await done(page);
    }
  });
});

/** Holds the page's calls of `method` until released, counting them: the control stays busy meanwhile. */
async function holdCalls(page: Page, method: string) {
  const held: Array<() => Promise<void>> = [];
  let calls = 0;
  let open = false;
  await page.route(`**/api/${method}`, async (route) => {
    calls++;
    if (open) await route.continue();
    else held.push(() => route.continue());
  });
  return {
    calls: () => calls,
    async arrived(): Promise<void> {
      const until = Date.now() + 5000;
      while (calls === 0 && Date.now() < until) await page.waitForTimeout(20);
      assert.ok(calls > 0, `no ${method} call was made`);
    },
    async release(): Promise<void> {
      open = true;
      for (const go of held.splice(0)) await go();
    },
  };
}

/** A desk with one abuse report, open on it; focus on the report's heading. */
async function openReport(): Promise<{ page: Page; desk: Awaited<ReturnType<typeof newDesk>> }> {
  const desk = await newDesk('mod-keys');
  const answer = await postForm(
    callbackUrl(desk.callbackUrl, { function: 'reportAbuse', domainID: 'example.com', callID: 'abuse-keys' }),
    Buffer.from(ABUSE_CONVERSATION_XML, 'latin1'),
  );
  assert.equal(answer.status, 200);
  const page = await desk.open();
  await page.getByTestId('nav-reports').click();
  await page.locator('[data-report-id="1"]').click();
  await page.getByTestId('report-view').waitFor();
  await focusSettles(page, (f) => f.id === 'view-title', "the report's heading");
  return { page, desk };
}

/** From the report's heading into its messages, `t`: the tag editor of the reported message. */
async function openTagEditor(page: Page): Promise<void> {
  await pressUntil(page, 'Tab', (f) => f.testId === 'report-messages', 20);
  await page.keyboard.press('t');
  await page.getByTestId('tag-editor').waitFor();
}

// A control busy with its own request keeps the focus (it is not `disabled`, which drops focus to
// the body: the next key reached no control, or, in a keyboard trial, the wrong tag). A second
// activation meanwhile sends nothing; a control its action replaces (Claim → Release) hands the
// focus to its replacement.
describe('a busy control keeps the keyboard focus', () => {
  afterEach(endDeskTest);

  test('a tag switched with Space: focus stays on its box while it is saved, a second Space sends nothing, the next one is its own', async () => {
    const { page } = await openReport();
    const tagCalls = await holdCalls(page, 'tag');
    await openTagEditor(page);
    const editor = page.getByTestId('tag-editor');
    const onHarassment = (f: Awaited<ReturnType<typeof focused>>) => f.tag === 'input' && f.label === 'harassment';
    await pressUntil(page, 'Tab', onHarassment, 12);
    await page.keyboard.press('Space');
    await tagCalls.arrived();
    assert.ok(onHarassment(await focused(page)), `while saved, focus is on ${JSON.stringify(await focused(page))}`);
    await page.keyboard.press('Space');
    await page.waitForTimeout(200);
    assert.equal(tagCalls.calls(), 1, 'a second Space while the tag is saved sends nothing');
    await tagCalls.release();
    await editor.getByRole('checkbox', { name: 'harassment', checked: true }).waitFor();
    assert.ok(onHarassment(await focused(page)), `once saved, focus is on ${JSON.stringify(await focused(page))}`);
    // The next Space is the box's own: it takes the tag off again, and no other box is switched.
    await page.keyboard.press('Space');
    await editor.getByRole('checkbox', { name: 'harassment', checked: false }).waitFor({ timeout: 5000 });
    assert.equal(tagCalls.calls(), 2);
    assert.ok(onHarassment(await focused(page)), `taken off, focus is on ${JSON.stringify(await focused(page))}`);
    assert.equal(await editor.locator('input[type=checkbox]:checked').count(), 0, 'no other box was switched');
    await done(page);
  });

  test('a note added with Enter: focus stays on Add note while it is saved and after, a second Enter sends nothing', async () => {
    const { page } = await openReport();
    const noteCalls = await holdCalls(page, 'addNote');
    await openTagEditor(page);
    const editor = page.getByTestId('tag-editor');
    await pressUntil(page, 'Tab', (f) => f.testId === 'note-text', 20);
    await page.keyboard.type('warned in private');
    await pressUntil(page, 'Tab', (f) => f.testId === 'add-note', 2);
    await page.keyboard.press('Enter');
    await noteCalls.arrived();
    assert.equal((await focused(page)).testId, 'add-note', 'while the note is saved, focus stays on Add note');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(200);
    assert.equal(noteCalls.calls(), 1, 'a second Enter while the note is saved sends nothing');
    await noteCalls.release();
    await editor.locator('.note-text', { hasText: 'warned in private' }).waitFor();
    assert.equal(await page.getByTestId('note-text').inputValue(), '');
    assert.equal((await focused(page)).testId, 'add-note', 'once saved, focus stays on Add note');
    // Keys pressed now reach nothing else: Add note, its text empty, does nothing.
    await page.keyboard.press('Space');
    await page.keyboard.type('x');
    await page.waitForTimeout(200);
    assert.equal(noteCalls.calls(), 1);
    assert.equal(await editor.locator('input[type=checkbox]:checked').count(), 0, 'no tag was switched');
    await done(page);
  });

  test('Claim with Enter: focus stays on it while it is sent, a second Enter sends nothing, then it is on Release (and back on Claim)', async () => {
    const { page } = await openReport();
    const claimCalls = await holdCalls(page, 'claimReport');
    await pressUntil(page, 'Tab', (f) => f.testId === 'claim', 15);
    await page.keyboard.press('Enter');
    await claimCalls.arrived();
    assert.equal((await focused(page)).testId, 'claim', 'while the claim is sent, focus stays on Claim');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(200);
    assert.equal(claimCalls.calls(), 1, 'a second Enter while the claim is sent sends nothing');
    await claimCalls.release();
    await page.getByTestId('claim-state').filter({ hasText: 'Claimed by you' }).waitFor();
    await focusSettles(page, (f) => f.testId === 'claim-release', 'Release, which replaced Claim');
    // Space on Release releases it: focus goes back to Claim.
    await page.keyboard.press('Space');
    await page.getByTestId('claim-state').filter({ hasText: 'Not claimed' }).waitFor();
    await focusSettles(page, (f) => f.testId === 'claim', 'Claim, which replaced Release');
    await done(page);
  });
});
