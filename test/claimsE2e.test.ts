// Claims and conflicts on one desk, in Chromium against a real omv serve: the moderator claims a
// report and sees it as theirs, in the report and in the queue; another moderator (maya, through
// the command line: the same service, and no live event reaches this page) dismisses it behind
// the page's back; the moderator's decision, made on the version they saw, shows the conflict
// ("dismissed by maya just now") and keeps the reason they typed. Screenshots of the claimed report
// and of the conflict, light and dark; axe finds nothing serious on either.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { omv } from './support/cli.js';
import { deskTests, done, endDeskTest, fetchAudit, keepInBothThemes, newDesk } from './support/desk.js';
import { callbackUrl, postForm } from './support/http.js';
import { ABUSE_CONVERSATION_XML } from './support/payloads.js';

deskTests();

describe('claims and conflicts in a browser', () => {
  afterEach(endDeskTest);

  test('claim a report ("claimed by you"), then a decision on a version maya changed shows her change and keeps the typed reason', async () => {
    const desk = await newDesk('mod-e2e');
    const answer = await postForm(
      callbackUrl(desk.callbackUrl, { function: 'reportAbuse', domainID: 'example.com', callID: 'abuse-claims' }),
      Buffer.from(ABUSE_CONVERSATION_XML, 'latin1'),
    );
    assert.equal(answer.status, 200);
    const page = await desk.open();
    await page.getByTestId('nav-reports').click();
    await page.locator('[data-report-id="1"]').click();
    const report = page.getByTestId('report-view');
    await report.waitFor();
    assert.equal(await page.getByTestId('claim-state').innerText(), 'Not claimed');

    await page.getByTestId('claim').click();
    await page.getByTestId('claim-state').filter({ hasText: 'Claimed by you just now' }).waitFor();
    assert.equal(await page.getByTestId('claim').count(), 0, 'a claimed report offers no Claim');
    await page.getByTestId('claim-release').waitFor();
    const findings = await keepInBothThemes(page, 'report-claimed');

    // The queue says who holds it.
    await page.locator('.back').click();
    assert.equal(await page.locator('[data-report-id="1"]').getByTestId('report-holder').innerText(), 'claimed by you');
    await page.locator('[data-report-id="1"]').click();
    await report.waitFor();

    // The moderator types a reason; meanwhile maya dismisses the report (no live update reaches this page).
    const reason = 'threat in the quoted message; account suspended';
    await page.getByTestId('report-reason').fill(reason);
    const maya = await omv([
      'reports',
      '--db',
      join(desk.dataDir, 'omv.sqlite'),
      'set',
      '1',
      'dismissed',
      '--reason',
      'banter between friends',
      '--as',
      'maya',
    ]);
    assert.equal(maya.code, 0, maya.stderr);
    assert.equal(await page.getByTestId('report-status').textContent(), 'open', 'the page still shows the version it had');

    await page.getByTestId('report-to-actioned').click();
    const conflict = page.getByTestId('conflict-notice');
    await conflict.waitFor();
    assert.equal(await page.getByTestId('conflict-what').innerText(), 'dismissed by maya just now');
    assert.match(await conflict.innerText(), /Nothing was changed\. It is dismissed now\. Your reason is kept\./);
    assert.equal(await page.getByTestId('report-reason').inputValue(), reason, 'what the moderator typed is kept');
    // The page now shows the current version, to decide again on.
    await page.getByTestId('report-status').filter({ hasText: 'dismissed' }).waitFor();
    assert.match(await report.locator('.report-history').innerText(), /maya: open → dismissed — “banter between friends”/);
    findings.push(...(await keepInBothThemes(page, 'report-conflict')));

    await page.getByTestId('conflict-again').click();
    await conflict.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'report-reason');
    assert.equal(await page.getByTestId('report-reason').inputValue(), reason);
    // Decided once, by maya; the moderator's claim and maya's decision in the trail.
    const trail = (await fetchAudit(desk)).map((row) => row.action);
    assert.deepEqual(trail, ['report claimed', 'report status']);
    assert.deepEqual(findings, []);
    await done(page);
  });
});
