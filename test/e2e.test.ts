// The moderator's desk end to end: the real `omv serve`, a real SQLite file, real callbacks and
// Debian's Chromium driven by Playwright. Each test starts its own server on its own database and
// delivers the data it reads. Screenshots of the main views land in test-results/screenshots/
// (light and dark) for a person to look at; axe findings of the main views in test-results/axe/.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, launchChromium } from './support/chromium.js';
import { omv, omvServe, stop, type ServeProcess } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { ABUSE_CONVERSATION_XML, messagesXml, type EntrySpec } from './support/payloads.js';

const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');
const AXE_RESULTS = join(process.cwd(), 'test-results', 'axe');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
const BASE = Date.UTC(2024, 2, 1, 9, 0);

let browser: Browser;
const pageErrors: string[] = [];
const running: Array<{ server: ServeProcess; dataDir: string }> = [];

/** One omv serve on a database of its own, and what a test does with it. */
interface Desk {
  viewerUrl: string;
  callbackUrl: string;
  dataDir: string;
  deliver(rooms: Parameters<typeof messagesXml>[0], callID: string): ReturnType<typeof postForm>;
  open(colorScheme?: 'light' | 'dark'): Promise<Page>;
  stop(): void;
}

async function newDesk(moderator = 'mod-e2e'): Promise<Desk> {
  const dataDir = mkdtempSync(join(tmpdir(), 'omv-e2e-'));
  // The moderator is named by the operator, so the first-start question does not come up (its own test asks it).
  const server = await omvServe(['--db', join(dataDir, 'omv.sqlite')], {
    killAfterTest: false,
    env: { ...process.env, OMV_MODERATOR: moderator },
  });
  running.push({ server, dataDir });
  const desk: Desk = {
    viewerUrl: /viewer at (\S+)/.exec(server.output())![1]!,
    callbackUrl: server.callbackUrl,
    dataDir,
    deliver: (rooms, callID) =>
      postForm(
        callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'example.com', type: 'chat', callID }),
        messagesXml(rooms, { callID }),
      ),
    async open(colorScheme = 'light') {
      const page = await browser.newPage({ viewport: { width: 1360, height: 860 }, colorScheme, acceptDownloads: true });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(desk.viewerUrl);
      await page.getByTestId('status-bar').waitFor();
      return page;
    },
    stop: () => stop(server.child),
  };
  return desk;
}

/** A lobby of 60 messages and a join, a games room, and one hostile message two hours later. */
async function lobbyDesk(): Promise<Desk> {
  const desk = await newDesk();
  const lobby: EntrySpec[] = Array.from({ length: 60 }, (_, i) => ({
    ts: BASE + i * 60_000,
    user: `user${i % 6}`,
    content: `lobby chatter number ${i}`,
  }));
  lobby.splice(10, 0, { ts: BASE + 10 * 60_000 + 1, user: 'user1', type: 'join' });
  const answers = [
    await desk.deliver({ lobby, games: [{ ts: BASE + 5, user: 'gamer', content: 'good game everyone' }] }, 'seed-1'),
    await desk.deliver({ lobby: [{ ts: BASE + 3_600_000 * 2, user: 'mallory', content: XSS }] }, 'seed-2'),
  ];
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 200],
  );
  return desk;
}

/** Closes a page, failing the test if any script on it threw. */
async function done(page: Page): Promise<void> {
  await page.close();
  assert.deepEqual(pageErrors.splice(0), [], 'the page threw');
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/** Runs axe on the page as it is; keeps every finding in test-results/axe/NAME.json and answers the serious ones. */
async function axe(page: Page, name: string): Promise<AxeViolation[]> {
  // Evaluated through the debugging protocol, which the page's CSP does not govern.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const run = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> } }).axe
      .run;
    return (await run(document, { resultTypes: ['violations'] })).violations;
  });
  mkdirSync(AXE_RESULTS, { recursive: true });
  writeFileSync(join(AXE_RESULTS, `${name}.json`), JSON.stringify(violations, null, 2));
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

const describeViolations = (violations: AxeViolation[]) =>
  violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`).join('\n');

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set OMV_CHROMIUM`);
  browser = await launchChromium();
});

/** A test that failed leaves its page open: keep what it showed in test-results/failures/, then close it. */
async function keepFailedPages(context: { name: string }): Promise<void> {
  const pages = browser.contexts().flatMap((c) => c.pages());
  for (const [i, page] of pages.entries()) {
    mkdirSync(join(process.cwd(), 'test-results', 'failures'), { recursive: true });
    await page.screenshot({
      path: join(process.cwd(), 'test-results', 'failures', `${context.name.replace(/\W+/g, '-').slice(0, 80)}-${i}.png`),
    });
    await page.close();
  }
}

function stopDesks(): void {
  for (const { server, dataDir } of running.splice(0)) {
    stop(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

after(async () => {
  await browser?.close();
});

describe('the desk in a browser', () => {
  afterEach(async (context) => {
    await keepFailedPages(context);
    stopDesks();
  });

  test('the timeline opens on the newest entries; hostile content is shown as text and runs nothing', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    const xssRow = page.locator('.entry', { hasText: 'onerror' });
    await xssRow.waitFor();
    assert.equal(await xssRow.locator('.entry-body').innerText(), XSS);
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
    await page.locator('.entry', { hasText: 'a unicorn just arrived' }).waitFor({ timeout: 5000 });
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
    await page.waitForFunction(
      () => {
        const row = document.querySelector('.entry.focused')?.getBoundingClientRect();
        const list = document.querySelector('.timeline')?.getBoundingClientRect();
        return !!row && !!list && row.top >= list.top && row.bottom <= list.bottom;
      },
      undefined,
      { timeout: 5000 },
    );
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
    assert.deepEqual(await page.locator('.timeline .entry-body').allInnerTexts(), ['good game everyone']);
    await page.locator('.room', { hasText: 'All rooms' }).click();
    await page.getByTestId('search').fill('type:join');
    await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 1);
    assert.deepEqual(await page.locator('.timeline .entry-body').allInnerTexts(), ['joined']);
    await page.getByTestId('search').fill('from:user3 in:lobby');
    await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 10);
    assert.deepEqual(new Set(await page.locator('.timeline .entry-user').allInnerTexts()), new Set(['user3']));
    await page.getByTestId('search').fill('after:someday chatter');
    assert.match(await page.getByTestId('search-errors').innerText(), /after: "someday" is not a date/);
    await page.getByTestId('search').fill('-chatter');
    assert.match(await page.getByTestId('search-errors').innerText(), /add a word to look for/);
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
    assert.match(await view.locator('.user-head').innerText(), /gamer[\s\S]*entries\s*1/);
    assert.match(await view.locator('.user-rooms').innerText(), /#games/);
    await screenshot(page, 'user-light');
    await done(page);
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
    await page.getByTestId('export-panel').filter({ hasText: 'Exported 1 entry to CSV.' }).waitFor();
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
    desk.stop();
    await page.locator('[data-room=games]').click();
    await page.getByTestId('error-notice').first().waitFor();
    assert.match(await page.getByTestId('error-notice').first().innerText(), /fetch/i);
    pageErrors.splice(0); // the browser's own log of the refused connection
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

describe('the review workflow in a browser', () => {
  afterEach(async (context) => {
    await keepFailedPages(context);
    stopDesks();
  });

  const reportAbuse = (desk: Desk, callID: string) =>
    postForm(
      callbackUrl(desk.callbackUrl, { function: 'reportAbuse', domainID: 'example.com', callID }),
      Buffer.from(ABUSE_CONVERSATION_XML, 'latin1'),
    );

  test('first start asks who is moderating, and the audit trail carries that name', async () => {
    const desk = await newDesk('');
    const page = await desk.open();
    const dialog = page.getByTestId('moderator-dialog');
    await dialog.waitFor();
    await page.getByTestId('moderator-name').fill('Anna (trust & safety)');
    await page.getByTestId('moderator-save').click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByTestId('nav-watchlist').click();
    await page.getByTestId('watch-add-text').fill('scam*');
    await page.getByTestId('watch-add').click();
    await page.getByTestId('nav-audit').click();
    await page.locator('.audit-table td', { hasText: 'Anna (trust & safety)' }).first().waitFor();
    await done(page);
  });

  test('a reportAbuse callback lands in the queue; the moderator reads it in context and takes it to actioned with a reason', async () => {
    const desk = await lobbyDesk();
    assert.equal((await reportAbuse(desk, 'abuse-1')).status, 200);
    // The queue as it first looks, in the dark theme too.
    const dark = await desk.open('dark');
    await dark
      .getByTestId('nav-reports')
      .filter({ hasText: /Abuse reports\s*1/ })
      .click();
    await dark.getByTestId('reports-tab-open').filter({ hasText: 'open 1' }).waitFor();
    await screenshot(dark, 'reports-dark');
    await done(dark);

    const page = await desk.open();
    await page
      .getByTestId('nav-reports')
      .filter({ hasText: /Abuse reports\s*1/ })
      .click();
    await page.getByTestId('reports-tab-open').filter({ hasText: 'open 1' }).waitFor();
    await screenshot(page, 'reports-light');
    await page.locator('[data-report-id="1"]').click();
    const report = page.getByTestId('report-view');
    await report.waitFor();
    assert.match(await report.locator('.report-fields').innerText(), /accused\s*23456[\s\S]*reported by\s*12345[\s\S]*reason\s*Offensive/);
    assert.equal(await report.locator('blockquote').innerText(), 'Said awful things to me accused me of being a "pimp"');
    assert.match(await page.getByTestId('report-messages').innerText(), /this is my message/);
    // One click into the room around the reported message, and back.
    await page.getByTestId('report-context').click();
    await page.locator('.entry.focused', { hasText: 'this is my message' }).waitFor();
    await page.locator('.back').click();
    await page.getByTestId('report-accused').click();
    await page.getByTestId('user-view').waitFor();
    await page.locator('.back').click();
    // Deciding needs a reason: the button waits for one.
    await page.getByTestId('report-to-in-review').click();
    await page.getByTestId('report-status').filter({ hasText: 'in review' }).waitFor();
    assert.equal(await page.getByTestId('report-to-actioned').isDisabled(), true);
    await page.getByTestId('report-reason').fill('insults in the quoted message; warned the user');
    await page.getByTestId('report-to-actioned').click();
    await page.getByTestId('report-status').filter({ hasText: 'actioned' }).waitFor();
    assert.match(
      await report.locator('.report-history').innerText(),
      /in review → actioned — “insults in the quoted message; warned the user”/,
    );
    await screenshot(page, 'report-light');
    // The evidence: the reported message tagged and noted, exported with its review and manifest.
    await page.getByTestId('report-messages').getByRole('button', { name: 'tag / note' }).click();
    const editor = page.getByTestId('tag-editor');
    await editor.getByRole('checkbox', { name: /harassment/ }).click();
    await editor.getByRole('checkbox', { name: /harassment/, checked: true }).waitFor();
    await page.getByTestId('note-text').fill('reporter confirmed by a second user');
    await page.getByTestId('add-note').click();
    await editor.locator('.note-text').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('export-with-review').check();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-button').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    assert.match(
      csv,
      /,asfd,msg,1,tom,false,this is my message,callback,abuse-1,harassment,reporter confirmed by a second user,unreviewed\r\n$/,
    );
    await page.getByTestId('export-manifest').waitFor();
    // The queue counts move with it.
    await page.getByTestId('nav-reports').click();
    await page.getByTestId('reports-tab-actioned').filter({ hasText: 'actioned 1' }).waitFor();
    await done(page);
    // omv audit verify proves the trail: two decisions, the tag, the note, the export.
    const verify = await omv(['audit', '--db', join(desk.dataDir, 'omv.sqlite'), 'verify']);
    assert.equal(verify.code, 0, verify.stdout);
    assert.equal(verify.stdout, 'audit chain intact: 5 rows\n');
    const reports = await fetchReports(desk);
    assert.deepEqual(reports, ['1\tactioned']);
  });

  test('every hit of a search is tagged in one action; a note and a new tag on one entry; tag: and has:note find them', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.getByTestId('search').fill('chatter');
    await page
      .getByTestId('result-count')
      .filter({ hasText: /^60 hits/ })
      .waitFor();
    await page.getByTestId('tag-all-hits').click();
    await page.getByTestId('tag-all-choice').selectOption('spam');
    await page.getByTestId('tag-all-apply').click();
    await page.getByTestId('tag-all-done').filter({ hasText: 'Tagged 60 entries “spam”.' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('search').fill('tag:spam chatter');
    await page
      .getByTestId('result-count')
      .filter({ hasText: /^60 hits/ })
      .waitFor();
    await page.getByTestId('search').fill('tag:spam');
    await page.locator('.timeline .tag-chip[data-tag=spam]').first().waitFor();
    // One entry: a new tag with a colour, and a note.
    await page.getByTestId('search').fill('chatter number 42');
    await page.getByTestId('search-hits').locator('.entry').first().getByRole('button', { name: 'tag / note' }).click();
    const editor = page.getByTestId('tag-editor');
    await editor.waitFor();
    await page.getByTestId('new-tag-name').fill('grooming');
    await page.getByTestId('create-tag').click();
    await editor.getByRole('checkbox', { name: /grooming/ }).waitFor();
    await page.waitForFunction(
      () => (document.querySelector('[data-testid=tag-editor] input[type=checkbox]:checked') as HTMLInputElement | null) !== null,
    );
    await page.getByTestId('note-text').fill('asked to move to a private app');
    await page.getByTestId('add-note').click();
    await editor.locator('.note-text', { hasText: 'asked to move to a private app' }).waitFor();
    await screenshot(page, 'tag-editor-light');
    const serious = await axe(page, 'tag-editor-light');
    assert.deepEqual(serious, [], describeViolations(serious));
    await page.keyboard.press('Escape');
    await page.getByTestId('search').fill('has:note');
    await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 1);
    assert.match(await page.locator('.timeline .entry').innerText(), /lobby chatter number 42[\s\S]*grooming[\s\S]*spam[\s\S]*✎ 1/);
    await done(page);

    // A user and a room carry tags and notes too; a tag can be made a hold.
    const dark = await desk.open('dark');
    await dark.locator('[data-room=lobby]').click();
    await dark.getByTestId('room-review').click();
    // The boxes follow what main stored: click, then see it checked.
    await dark
      .getByTestId('tag-editor')
      .getByRole('checkbox', { name: /needs-escalation/ })
      .click();
    await dark
      .getByTestId('tag-editor')
      .getByRole('checkbox', { name: /needs-escalation/, checked: true })
      .waitFor();
    await dark.getByTestId('tag-editor').getByRole('button', { name: 'hold' }).first().click();
    await dark.getByTestId('tag-editor').locator('button[aria-pressed=true]').first().waitFor();
    await dark.keyboard.press('Escape');
    await dark.locator('.timeline .entry-user', { hasText: 'user3' }).first().click();
    await dark.getByTestId('user-review').click();
    // The boxes follow what main stored: click, then see it checked.
    await dark
      .getByTestId('tag-editor')
      .getByRole('checkbox', { name: /threat/ })
      .click();
    await dark
      .getByTestId('tag-editor')
      .getByRole('checkbox', { name: /threat/, checked: true })
      .waitFor();
    await dark.getByTestId('note-text').fill('three accounts, same phrasing');
    await dark.getByTestId('add-note').click();
    await dark.getByTestId('tag-editor').locator('.note-text', { hasText: 'three accounts' }).waitFor();
    await screenshot(dark, 'tag-editor-dark');
    await dark.keyboard.press('Escape');
    await dark.locator('.user-head .tag-chip[data-tag=threat]').waitFor();
    assert.match(await dark.getByTestId('user-review').innerText(), /✎ 1/);
    await done(dark);
    const audit = await fetchAudit(desk);
    assert.ok(audit.some((row) => row.action === 'tagged' && JSON.stringify(row.details).includes('"target":"room"')));
    assert.ok(audit.some((row) => row.action === 'hold set'));
    assert.ok(audit.some((row) => row.action === 'note' && JSON.stringify(row.details).includes('"target":"user"')));
  });

  test('a watchlist term in a new callback raises the room badge and the status count, is marked in the text, and shows in the matches', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.getByTestId('nav-watchlist').click();
    await page.getByTestId('watch-add-text').fill('unicorn*\n"meet me"');
    await page.getByTestId('watch-add').click();
    await page.locator('.term', { hasText: 'unicorn*' }).waitFor();
    await page.locator('.room', { hasText: 'All rooms' }).click();
    await desk.deliver(
      { lobby: [{ ts: Date.UTC(2024, 2, 1, 12), user: 'newcomer', content: 'unicorns: meet me at the gate' }] },
      'watch-1',
    );
    await page.getByTestId('alerts-button').filter({ hasText: '1 alert' }).waitFor();
    await page.locator('[data-room=lobby] [data-testid=room-alerts]').filter({ hasText: '1 alert' }).waitFor();
    const row = page.locator('.timeline .entry', { hasText: 'meet me at the gate' });
    await row.waitFor();
    assert.deepEqual(await row.locator('mark.watch-mark').allInnerTexts(), ['unicorns', 'meet me']);
    await page.getByTestId('alerts-button').click();
    await page.getByTestId('watch-matches').locator('.entry', { hasText: 'meet me at the gate' }).waitFor();
    await page.getByTestId('alerts-button').filter({ hasText: '0 alerts' }).waitFor();
    await screenshot(page, 'watchlist-light');
    await done(page);
    await screenshotPlace(desk, 'watchlist', 'watch-matches', 'watchlist-dark');
  });

  test('a saved search shows how many matches arrived since it was last opened', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.getByTestId('search').fill('chatter in:lobby');
    await page.getByTestId('save-search').click();
    await page.getByTestId('save-search-name').fill('lobby chatter');
    await page.getByTestId('save-search-save').click();
    const saved = page.locator('[data-saved="lobby chatter"]');
    await saved.waitFor();
    await desk.deliver({ lobby: [{ ts: Date.UTC(2024, 2, 2), user: 'u', content: 'more chatter today' }] }, 'saved-1');
    await page.reload();
    await saved.filter({ hasText: '+1' }).waitFor();
    await saved.click();
    await page
      .getByTestId('result-count')
      .filter({ hasText: /^61 hits/ })
      .waitFor();
    await page.reload();
    await saved.waitFor();
    assert.doesNotMatch(await saved.innerText(), /\+/);
    await done(page);
  });

  test('an export writes its manifest and an audit row; the audit view verifies the chain', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.locator('[data-room=games]').click();
    await page.locator('.main-head h1', { hasText: '#games' }).waitFor();
    await page.getByTestId('export-with-review').check();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-button').click()]);
    const csv = readFileSync((await download.path())!);
    assert.match(csv.toString('utf8').split('\r\n')[0]!, /,call_id,tags,notes,review_status$/);
    await page.getByTestId('export-manifest').waitFor();
    const [manifestFile] = await Promise.all([page.waitForEvent('download'), page.getByTestId('save-manifest').click()]);
    const manifest = JSON.parse(readFileSync((await manifestFile.path())!, 'utf8')) as Record<string, unknown>;
    assert.equal(manifest['sha256'], createHash('sha256').update(csv).digest('hex'));
    assert.equal(manifest['rows'], 1);
    assert.equal(manifest['moderator'], 'mod-e2e');
    assert.equal(manifest['file'], download.suggestedFilename());
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-verdict').filter({ hasText: 'Audit chain intact: 1 row,' }).waitFor();
    assert.match(
      await page.locator('.audit-table tbody tr').first().innerText(),
      new RegExp(`export[\\s\\S]*${String(manifest['sha256'])}`),
    );
    await screenshot(page, 'audit-light');
    await done(page);
    await screenshotPlace(desk, 'audit', 'audit-verdict', 'audit-dark');
  });

  test('review marks: a room is marked reviewed, and what arrives later stands out as unreviewed', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.locator('[data-room=lobby]').click();
    await page.getByTestId('unreviewed-count').filter({ hasText: '62 unreviewed' }).waitFor();
    await page.getByTestId('mark-reviewed').click();
    await page
      .getByTestId('unreviewed-count')
      .filter({ hasText: /^0 unreviewed · reviewed up to/ })
      .waitFor();
    await desk.deliver({ lobby: [{ ts: Date.UTC(2024, 2, 3), user: 'late', content: 'after the review' }] }, 'late-1');
    await page
      .getByTestId('unreviewed-count')
      .filter({ hasText: /^1 unreviewed/ })
      .waitFor();
    await page.locator('.entry.unreviewed', { hasText: 'after the review' }).waitFor();
    assert.equal(await page.locator('.entry.unreviewed').count(), 1);
    // status:unreviewed in the room, then everywhere (games was never reviewed).
    await page.getByTestId('search').fill('status:unreviewed');
    await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 1);
    await page.locator('.room', { hasText: 'All rooms' }).click();
    await page.getByTestId('search').fill('status:unreviewed');
    await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 2);
    await done(page);
  });

  test('pseudonyms: user IDs are shown as stable pseudonyms when asked', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.locator('[data-room=games]').click();
    const user = page.locator('.timeline .entry-user').first();
    await user.filter({ hasText: 'gamer' }).waitFor();
    await page.getByTestId('pseudonymise').click();
    await user.filter({ hasText: /^user-[0-9a-z]{6}$/ }).waitFor();
    const pseudonym = await user.innerText();
    await page.reload();
    await page.locator('[data-room=games]').click();
    await page.locator('.timeline .entry-user').filter({ hasText: pseudonym }).waitFor();
    assert.equal(await page.locator('.timeline', { hasText: 'gamer' }).count(), 0);
    await done(page);
  });

  test('the review views have no serious or critical accessibility findings (axe), light and dark', async () => {
    const desk = await lobbyDesk();
    await reportAbuse(desk, 'abuse-a11y');
    for (const scheme of ['light', 'dark'] as const) {
      const page = await desk.open(scheme);
      const findings: string[] = [];
      const check = async (name: string) => {
        const serious = await axe(page, `${name}-${scheme}`);
        if (serious.length) findings.push(`${name} (${scheme}):\n${describeViolations(serious)}`);
      };
      await page.getByTestId('nav-reports').click();
      await page.locator('[data-report-id="1"]').waitFor();
      await check('reports');
      await page.locator('[data-report-id="1"]').click();
      await page.getByTestId('report-view').waitFor();
      await check('report');
      await page.getByTestId('nav-watchlist').click();
      await page.getByTestId('watchlist-view').waitFor();
      await check('watchlist');
      await page.getByTestId('nav-audit').click();
      await page.getByTestId('audit-view').waitFor();
      await check('audit');
      assert.deepEqual(findings, []);
      await done(page);
    }
  });
});

/** One of the desk's places, opened in the dark theme and kept as a screenshot. */
async function screenshotPlace(desk: Desk, place: string, shown: string, name: string): Promise<void> {
  const page = await desk.open('dark');
  await page.getByTestId(`nav-${place}`).click();
  await page.getByTestId(shown).waitFor();
  await screenshot(page, name);
  await done(page);
}

/** A call to the viewer's API, as the page makes it (with the key). */
async function callViewer<T>(desk: Desk, method: string, args: object = {}): Promise<T> {
  const key = new URL(desk.viewerUrl).searchParams.get('key')!;
  const response = await fetch(`${new URL(desk.viewerUrl).origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-omv-key': key },
    body: JSON.stringify(args),
  });
  return ((await response.json()) as { value: T }).value;
}

const fetchAudit = async (desk: Desk) => (await callViewer<{ rows: Array<{ action: string; details: unknown }> }>(desk, 'audit')).rows;
const fetchReports = async (desk: Desk) =>
  (await callViewer<Array<{ id: number; status: string }>>(desk, 'reports')).map((r) => `${r.id}\t${r.status}`);

describe("the viewer's API guards private chat logs", () => {
  let viewerUrl: string;
  before(async () => {
    viewerUrl = (await newDesk()).viewerUrl;
  });
  after(stopDesks);
  const origin = () => new URL(viewerUrl).origin;
  const call = (headers: Record<string, string>) =>
    fetch(`${origin()}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

  test('no key: 401; a wrong key: 403', async () => {
    assert.equal((await call({})).status, 401);
    assert.equal((await call({ cookie: 'omv_key=guess' })).status, 401);
    assert.equal((await fetch(`${origin()}/?key=guess`, { redirect: 'manual' })).status, 403);
  });

  test('the key from the printed URL opens it, as a cookie', async () => {
    const landing = await fetch(viewerUrl, { redirect: 'manual' });
    assert.equal(landing.status, 303);
    const cookie = landing.headers.get('set-cookie')!;
    assert.match(cookie, /HttpOnly; SameSite=Strict/);
    const answer = await call({ cookie: cookie.split(';')[0]! });
    assert.equal(answer.status, 200);
    assert.ok(((await answer.json()) as { ok: boolean }).ok);
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
    assert.equal((await fetch(`${origin()}/%`, { headers: { cookie: `omv_key=${key}` } })).status, 400);
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
