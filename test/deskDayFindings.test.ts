// What a moderation team's day on one desk ran into, in Chromium against a real omv serve:
// - a note edited on two desks at once: the second Save names the version its editor was opened
//   on, so it is refused as a conflict, not written over the first (whose text it never saw);
// - rooms of the same name in two domains: ↓ walks the room list through every room, once each.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { deskTests, done, endDeskTest, newDesk } from './support/desk.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';

deskTests();

const BASE = Date.UTC(2024, 2, 1, 9, 0);

describe("a moderation team's day", () => {
  afterEach(endDeskTest);

  test('a note edited on two desks at once: the later Save is a conflict that keeps its text, not a silent overwrite', async () => {
    const desk = await newDesk('mod-e2e');
    assert.equal((await desk.deliver({ lobby: [{ ts: BASE, user: 'spammer', content: 'buy cheap gold now' }] }, 'gold')).status, 200);
    const editorOf = async (page: Awaited<ReturnType<typeof desk.open>>) => {
      await page.getByTestId('search').fill('gold');
      await page.getByTestId('search-hits').locator('.entry').first().getByRole('button', { name: 'tag / note' }).click();
      const editor = page.getByTestId('tag-editor');
      await editor.waitFor();
      return editor;
    };
    const first = await desk.open();
    const firstEditor = await editorOf(first);
    await first.getByTestId('note-text').fill('scam link');
    await first.getByTestId('add-note').click();
    await firstEditor.locator('.note-text', { hasText: 'scam link' }).waitFor();

    // The first desk starts editing; meanwhile the second edits the note and saves.
    await first.getByTestId('note-edit').click();
    await first.getByTestId('note-edit-text').fill('scam link; escalate to the vendor');
    const second = await desk.open();
    const secondEditor = await editorOf(second);
    await second.getByTestId('note-edit').click();
    await second.getByTestId('note-edit-text').fill('scam link, warned the user');
    await second.getByTestId('note-save').click();
    await secondEditor.locator('.note-text', { hasText: 'warned the user' }).waitFor();
    // The change reaches the first desk as it happens (who edited it shows under the open editor)…
    await firstEditor.getByText(/edited by mod-e2e/).waitFor();
    // …but its text field still holds what it was opened on: saving it would undo the other edit unseen.
    await first.getByTestId('note-save').click();
    await first.getByTestId('conflict-notice').waitFor();
    assert.equal(await first.getByTestId('note-edit-text').inputValue(), 'scam link; escalate to the vendor', 'the typed text is kept');
    await second.reload();
    const again = await editorOf(second);
    await again.locator('.note-text').waitFor();
    assert.equal(await again.locator('.note-text').innerText(), 'scam link, warned the user', 'the other edit stands');

    // Editing the current version, the kept text is saved over it, on purpose.
    await first.getByTestId('conflict-again').click();
    await first.getByTestId('note-save').click();
    await firstEditor.locator('.note-text', { hasText: 'escalate to the vendor' }).waitFor();
    await done(first);
    await done(second);
  });

  test('rooms of the same name in two domains: ↓ goes through every room of the list once, in order', async () => {
    const desk = await newDesk('mod-e2e');
    for (const domainID of ['example.com', 'example.org']) {
      const rooms = Object.fromEntries(
        ['lobby', 'games', 'help'].map((room, i) => [
          room,
          [{ ts: BASE + i * 60_000 + (domainID === 'example.org' ? 1 : 0), user: 'u1', content: `hi ${domainID}` }],
        ]),
      );
      const answer = await postForm(
        callbackUrl(desk.callbackUrl, { function: 'sendOfflineMessages', domainID, type: 'chat', callID: domainID }),
        messagesXml(rooms, { callID: domainID }),
      );
      assert.equal(answer.status, 200, answer.text);
    }
    const page = await desk.open();
    const list = page.getByTestId('room-list');
    await list.locator('button.room').nth(6).waitFor();
    const shown = await list.locator('button.room').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('title') ?? 'All rooms'));
    assert.equal(shown.length, 7);
    await list.locator('button.room').first().focus();
    const walked = [];
    for (let i = 0; i < shown.length; i++) {
      walked.push(await page.evaluate(() => document.activeElement?.getAttribute('title') ?? 'All rooms'));
      await page.keyboard.press('ArrowDown');
    }
    assert.deepEqual(walked, shown);
    // And ↑ back up the same way.
    const up = [];
    for (let i = 0; i < shown.length; i++) {
      up.push(await page.evaluate(() => document.activeElement?.getAttribute('title') ?? 'All rooms'));
      await page.keyboard.press('ArrowUp');
    }
    assert.deepEqual(up, [...shown].reverse());
    await done(page);
  });
});
