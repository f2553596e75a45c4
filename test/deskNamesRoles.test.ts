// What the desk shows of hostile names, and what it offers each role, in a real browser on a real
// `omv serve --team`. A room named "bidi \u202etest" and a user "eve\u202ex" are listed with the
// override shown as its escape (marked, explained in a tooltip), never acted on: the room list
// does not read "#bidi tset", the row not "evex". A moderator (no "import", "export" or "assign")
// is offered no Import, Export or hold controls, where an admin is; and an export the server
// refuses (a lead made a moderator while their desk was open) says so instead of vanishing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.js';
import { omv } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import { PASSWORD, startTeam, teamDatabase, type TeamServerProcess } from './support/teamServer.js';

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

async function signedIn(team: TeamServerProcess, name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  const page = await context.newPage();
  await page.goto(`${team.base}/`);
  await page.waitForURL(/\/login$/);
  await page.locator('#name').fill(name);
  await page.locator('#password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('status-bar').waitFor();
  return page;
}

test('names with bidi controls show them as escapes; a moderator is offered no import, export or hold; a refused export says so', async () => {
  const store = await teamDatabase({ maya: 'moderator', ada: 'admin', lee: 'lead' });
  const team = await startTeam(store);
  const room = 'bidi \u202etest';
  const said = 'hello from eve';
  const delivered = await postForm(
    callbackUrl(team.callbackUrl, { function: 'sendOfflineMessages', domainID: 'example.com', callID: 'c1' }),
    messagesXml({ [room]: [{ ts: Date.UTC(2025, 0, 1), user: 'eve\u202ex', content: said }] }),
  );
  assert.equal(delivered.status, 200);

  const maya = await signedIn(team, 'maya');
  const ada = await signedIn(team, 'ada');

  // (A) The room list: the override as its escape, marked; not acted on.
  const listed = maya.locator(`.room[data-room="${room}"]`);
  await listed.waitFor({ timeout: 10_000 });
  const roomText = await listed.locator('.room-name').innerText();
  assert.equal(roomText, '#bidi \\u202etest', 'the room list shows the escape, not "#bidi tset"');
  assert.ok(!roomText.includes('\u202e'));
  const marker = listed.getByTestId('hidden-char');
  assert.equal(await marker.innerText(), '\\u202e');
  assert.match((await marker.getAttribute('title')) ?? '', /U\+202E, right-to-left override/);
  // Isolated: the name is a <bdi>, so even a right-to-left name keeps the "#" and the count in place.
  assert.equal(await listed.locator('.room-name bdi').count(), 1);

  // The row: the room and the user, the same.
  await listed.click();
  const row = maya.locator('.timeline .entry', { hasText: said });
  await row.waitFor({ timeout: 10_000 });
  const entryId = Number(await row.getAttribute('data-entry-id'));
  const userText = await row.locator('.entry-user').innerText();
  assert.equal(userText, 'eve\\u202ex', 'the row shows the escape, not "evex"');
  assert.equal(await row.locator('.entry-user [data-testid=hidden-char]').count(), 1);
  assert.equal(await row.locator('.entry-content').getAttribute('dir'), 'auto', "the message's own direction, isolated");

  // The user's view: the name in its heading.
  await row.locator('.entry-user').click();
  await maya.getByTestId('user-view').waitFor();
  assert.equal(await maya.locator('.user-head h2 bdi').first().innerText(), 'eve\\u202ex');

  // (B) maya, a moderator: no Import, no Export, no hold controls.
  assert.equal(await maya.getByTestId('import-button').count(), 0, "a moderator's desk offers no import");
  assert.equal(await maya.getByTestId('export-button').count(), 0, "a moderator's desk offers no export");
  await maya.getByTestId('back').click();
  await maya.locator('.timeline .entry', { hasText: said }).getByRole('button', { name: 'tag / note' }).click();
  const mayaEditor = maya.getByTestId('tag-editor');
  await mayaEditor.waitFor();
  assert.equal(await mayaEditor.getByRole('button', { name: 'hold' }).count(), 0, 'no hold toggle without "assign"');
  assert.equal(await mayaEditor.getByText('a hold (kept from purges)').count(), 0, 'no hold checkbox without "assign"');
  // The watchlist: hers to read, not to change.
  await maya.keyboard.press('Escape');
  await maya.getByTestId('alerts-button').click();
  await maya.getByTestId('watch-read-only').waitFor();
  for (const control of ['watch-add', 'watch-add-text', 'watch-check-existing'])
    assert.equal(await maya.getByTestId(control).count(), 0, `no ${control} without "watchlist"`);
  // Nor does the server make one for her by another way.
  const asMaya = await team.signIn('maya');
  const made = await team.call(asMaya, 'createTag', { name: 'kept', colour: '#123456', hold: true });
  assert.equal(made.status, 403, made.body);

  // ada, an admin: all of them.
  await ada.getByTestId('import-button').waitFor();
  await ada.getByTestId('export-button').waitFor();
  await ada.locator(`.room[data-room="${room}"]`).click();
  await ada.locator('.timeline .entry', { hasText: said }).getByRole('button', { name: 'tag / note' }).click();
  const adaEditor = ada.getByTestId('tag-editor');
  await adaEditor.getByRole('button', { name: 'hold' }).first().waitFor();
  assert.equal(await adaEditor.getByText('a hold (kept from purges)').count(), 1);
  await ada.keyboard.press('Escape');
  await ada.getByTestId('alerts-button').click();
  await ada.getByTestId('watch-add').waitFor();
  assert.equal(await ada.getByTestId('watch-read-only').count(), 0);

  // A hold on maya's entry: hers to see, not to take off (the box says so, and taking it off is not tried).
  const asAda = await team.signIn('ada');
  assert.equal((await team.call(asAda, 'createTag', { name: 'legal', colour: '#aa0000', hold: true })).status, 200);
  assert.equal((await team.call(asAda, 'tag', { tag: 'legal', target: 'entry', ids: [entryId] })).status, 200);
  await maya.getByTestId('back').click();
  await maya.locator('.timeline .entry', { hasText: said }).getByRole('button', { name: 'tag / note' }).click();
  const held = maya.getByTestId('tag-editor').getByRole('checkbox', { name: 'legal' });
  await maya.waitForFunction(() =>
    Array.from(document.querySelectorAll('[data-testid=tag-editor] input[type=checkbox]')).some((box) => (box as HTMLInputElement).checked),
  );
  assert.equal(await held.getAttribute('aria-disabled'), 'true');
  await held.click({ force: true }); // as a mouse would: Playwright waits for an aria-disabled box otherwise
  assert.equal(await held.isChecked(), true, 'still on');
  assert.equal(await maya.getByTestId('tag-editor').getByTestId('error-notice').count(), 0, 'nothing refused: nothing was asked');
  await maya.keyboard.press('Escape');

  // lee, a lead, is made a moderator while his desk is open: Export is still there, and refused; the desk says so.
  const lee = await signedIn(team, 'lee');
  await lee.getByTestId('export-button').waitFor();
  assert.equal((await omv(['users', ...store.storeArgs, 'role', 'lee', 'moderator'])).code, 0);
  await lee.getByTestId('export-button').click();
  const panel = lee.getByTestId('export-panel');
  await panel.waitFor({ timeout: 10_000 });
  assert.match(await panel.innerText(), /Export stopped: refused: .*"export" permission/);
});
