// Two moderators, one receiver: a real `omv serve --team`, two Chromium contexts, two accounts
// (maya, a moderator; lee, a lead), each signed in through the login page. A callback shows on
// both desks without a reload; a tag one sets shows on the other; a report maya claims shows as
// hers on lee's desk; a decision lee makes on a version maya changed while lee's network was down
// shows the conflict and keeps what lee typed; the audit trail names each account. Screenshots of
// the login page, the claimed report and the conflict, light and dark; axe finds nothing serious.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.js';
import { DESK_ENGINES, keepInBothThemes } from './support/desk.js';
import { callbackUrl, postForm } from './support/http.js';
import { ABUSE_CONVERSATION_XML, messagesXml } from './support/payloads.js';
import { PASSWORD, startTeam, teamDatabase, type TeamServerProcess } from './support/teamServer.js';

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** A moderator's browser: the desk, reached through the login page. */
async function signedIn(
  team: TeamServerProcess,
  name: string,
  findings: string[] | null,
  screenshots: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${team.base}/`);
  await page.waitForURL(/\/login$/);
  if (findings) findings.push(...(await keepInBothThemes(page, screenshots)));
  await page.locator('#name').fill(name);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('status-bar').waitFor();
  assert.deepEqual(errors, [], `${name}'s desk threw`);
  return { context, page };
}

/** Signing out ends the session: the desk goes back to the login page, and its API answers 401. */
async function signOutEnds(team: TeamServerProcess, who: { page: Page }): Promise<void> {
  await who.page.getByTestId('sign-out').click();
  await who.page.waitForURL(/\/login$/);
  assert.equal((await who.page.request.post(`${team.base}/api/rooms`, { data: {} })).status(), 401);
}

const deliver = (team: TeamServerProcess, fn: string, callID: string, body: string | Buffer) =>
  postForm(callbackUrl(team.callbackUrl, { function: fn, domainID: 'example.com', callID }), body);

for (const { engine, skip } of DESK_ENGINES)
  describe(`the team server in a browser${engine === 'postgres' ? ' on PostgreSQL' : ''}`, { skip }, () => {
    test('two moderators on two desks work one queue from one receiver, each change seen by the other, the trail naming each', async () => {
      const team = await startTeam(await teamDatabase({ maya: 'moderator', lee: 'lead' }, { engine }));
      // Each engine's screenshots of its own.
      const shot = (name: string) => (engine === 'sqlite' ? name : `${name}-pg`);
      const findings: string[] = [];
      const maya = await signedIn(team, 'maya', findings, shot('team-login'));
      const lee = await signedIn(team, 'lee', null, '');
      assert.equal(await maya.page.getByTestId('signed-in').innerText(), 'signed in as maya (moderator) Sign out');
      // The callback's secret is the admins': a moderator's desk does not show it.
      assert.match(await maya.page.getByTestId('status-bar').innerText(), /receiving at http:\/\/\S+\/callback\/…/);

      // A callback: on both desks, without a reload.
      const said = 'see you at the station at nine';
      assert.equal(
        (
          await deliver(
            team,
            'sendOfflineMessages',
            'c1',
            messagesXml({ lobby: [{ ts: Date.UTC(2025, 0, 1), user: 'u1', content: said }] }),
          )
        ).status,
        200,
      );
      for (const desk of [maya, lee]) await desk.page.locator('.timeline .entry', { hasText: said }).waitFor({ timeout: 10_000 });

      // maya tags it; lee's desk shows the tag.
      await maya.page.locator('.timeline .entry', { hasText: said }).getByRole('button', { name: 'tag / note' }).click();
      const editor = maya.page.getByTestId('tag-editor');
      await editor.getByRole('checkbox', { name: /harassment/ }).click();
      await editor.getByRole('checkbox', { name: /harassment/, checked: true }).waitFor();
      await maya.page.keyboard.press('Escape');
      await lee.page.locator('.timeline .entry', { hasText: said }).locator('.tag-chip[data-tag=harassment]').waitFor({ timeout: 10_000 });

      // A report arrives; maya claims it; lee's queue and report say it is maya's.
      assert.equal((await deliver(team, 'reportAbuse', 'r1', Buffer.from(ABUSE_CONVERSATION_XML, 'latin1'))).status, 200);
      await maya.page.getByTestId('nav-reports').click();
      await maya.page.locator('[data-report-id="1"]').click();
      await maya.page.getByTestId('claim').click();
      await maya.page.getByTestId('claim-state').filter({ hasText: 'Claimed by you' }).waitFor();
      await lee.page.getByTestId('nav-reports').click();
      await lee.page.locator('[data-report-id="1"]').getByTestId('report-holder').filter({ hasText: 'maya' }).waitFor({ timeout: 10_000 });
      await lee.page.locator('[data-report-id="1"]').click();
      await lee.page
        .getByTestId('claim-state')
        .filter({ hasText: /Claimed by maya/ })
        .waitFor();
      findings.push(...(await keepInBothThemes(lee.page, shot('team-report-claimed'))));

      // lee, in another tab whose live events do not arrive (a lagging connection), types a reason;
      // maya decides meanwhile; lee decides on the version that tab saw.
      const tab = await lee.context.newPage();
      await tab.route('**/api/events', (route) => route.abort());
      await tab.goto(`${team.base}/`);
      await tab.getByTestId('nav-reports').click();
      await tab.locator('[data-report-id="1"]').click();
      await tab
        .getByTestId('claim-state')
        .filter({ hasText: /Claimed by maya/ })
        .waitFor();
      const reason = 'a threat: the account is suspended';
      await tab.getByTestId('report-reason').fill(reason);
      await maya.page.getByTestId('report-reason').fill('banter between friends');
      await maya.page.getByTestId('report-to-dismissed').click();
      await maya.page.getByTestId('report-status').filter({ hasText: 'dismissed' }).waitFor();
      await tab.getByTestId('report-to-actioned').click();
      const conflict = tab.getByTestId('conflict-notice');
      await conflict.waitFor();
      assert.match(await tab.getByTestId('conflict-what').innerText(), /^dismissed by maya/);
      assert.equal(await tab.getByTestId('report-reason').inputValue(), reason, 'what lee typed is kept');
      findings.push(...(await keepInBothThemes(tab, shot('team-report-conflict'))));

      // The trail names each account for what it did.
      const trail = JSON.parse((await team.call(await team.signIn('lee'), 'audit', { limit: 100 })).body) as {
        value: { rows: Array<{ moderator: string; action: string }> };
      };
      const did = trail.value.rows.filter((row) => !/sign|enrol|account/.test(row.action)).map((row) => `${row.moderator}: ${row.action}`);
      assert.deepEqual(did, ['maya: tagged', 'maya: report claimed', 'maya: report status']);
      assert.ok(trail.value.rows.some((row) => row.moderator === 'lee' && row.action === 'signed in'));
      assert.deepEqual(findings, []);
      await signOutEnds(team, maya);
      await maya.context.close();
      await lee.context.close();
    });
  });
