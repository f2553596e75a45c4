// A room is a name in a chat domain. Two customers' vendors (two domainIDs, each with its own
// callback secret on a team server) can both have a "lobby": the desk lists each with its domain,
// and choosing one shows that one — its entries, its chart, its review mark, its notes — never the
// other domain's messages as if they were said there. In Chromium, against a real omv serve.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { RoomSummary } from '../shared/api.js';
import { callViewer, deskTests, done, endDeskTest, newDesk, screenshot } from './support/desk.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';

deskTests();

const BASE = Date.UTC(2024, 6, 1, 10, 0);

describe('rooms of the same name in two domains', () => {
  afterEach(endDeskTest);

  test('are listed with their domains; choosing one shows only its entries, marks and notes only it, and its users are its domain’s', async () => {
    const desk = await newDesk();
    const deliver = (domainID: string, content: string[], callID: string) =>
      postForm(
        callbackUrl(desk.callbackUrl, { function: 'sendOfflineMessages', domainID, type: 'chat', callID }),
        // The same user ID in both: a user is an ID in a domain, as a room is a name in one.
        messagesXml({ lobby: content.map((text, i) => ({ ts: BASE + i * 60_000, user: 'sam', content: text })) }, { callID }),
      );
    assert.equal((await deliver('shop.example', ['welcome to the shop', 'opening hours?'], 'a')).status, 200);
    assert.equal((await deliver('games.example', ['gg', 'who is up for a match', 'I will find you'], 'b')).status, 200);

    const page = await desk.open();
    const list = page.getByTestId('room-list');
    const lobbies = list.locator('.room', { hasText: '#lobby' });
    await lobbies.nth(1).waitFor();
    assert.deepEqual((await list.getByTestId('room-domain').allInnerTexts()).map((t) => t.trim()).sort(), [
      'games.example ·',
      'shop.example ·',
    ]);

    // In every room's timeline each entry's room says its domain too.
    await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 5);
    assert.deepEqual([...new Set(await page.locator('.timeline .entry-room').allInnerTexts())].sort(), [
      '#lobby · games.example',
      '#lobby · shop.example',
    ]);

    await lobbies.filter({ hasText: 'shop.example' }).click();
    await page.locator('.main-head h1', { hasText: '#lobby · shop.example' }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 2);
    assert.deepEqual(await page.locator('.timeline .entry-content').allInnerTexts(), ['welcome to the shop', 'opening hours?']);
    await screenshot(page, 'room-domains');

    // Marked reviewed: the shop's lobby, not the games one.
    await page.getByTestId('mark-reviewed').click();
    await page.getByTestId('mark-reviewed-confirm').click();
    await page.getByTestId('bulk-notice').waitFor();
    const rooms = await callViewer<RoomSummary[]>(desk, 'rooms', { filter: '' });
    const lobby = (domain: string) => rooms.find((r) => r.name === 'lobby' && r.domainId === domain)!;
    assert.equal(lobby('shop.example').reviewedTo, BASE + 60_000);
    assert.equal(lobby('games.example').reviewedTo, null);
    assert.equal(lobby('games.example').unreviewed, 3);
    // The games' lobby is marked on its own mark's version, which the shop's mark did not move.
    await lobbies.filter({ hasText: 'games.example' }).click();
    await page.locator('.main-head h1', { hasText: '#lobby · games.example' }).waitFor();
    await page.getByTestId('mark-reviewed').click();
    await page.getByTestId('mark-reviewed-confirm').click();
    await page.getByTestId('mark-reviewed-dialog').waitFor({ state: 'detached' });
    const after = await callViewer<RoomSummary[]>(desk, 'rooms', { filter: '' });
    assert.equal(after.find((r) => r.name === 'lobby' && r.domainId === 'games.example')!.reviewedTo, BASE + 2 * 60_000);
    await lobbies.filter({ hasText: 'shop.example' }).click();
    await page.locator('.main-head h1', { hasText: '#lobby · shop.example' }).waitFor();

    // The room's tags and notes are the shop lobby's.
    await page.getByTestId('room-review').click();
    const editor = page.getByTestId('tag-editor');
    await editor.getByTestId('note-text').fill('shop lobby: quiet');
    await editor.getByTestId('add-note').click();
    await editor.locator('.note-text', { hasText: 'shop lobby: quiet' }).waitFor();
    const notes = await callViewer<Array<{ text: string }>>(desk, 'notes', { target: 'room', targetId: lobby('shop.example').id });
    assert.deepEqual(
      notes.map((n) => n.text),
      ['shop lobby: quiet'],
    );
    assert.deepEqual(await callViewer(desk, 'notes', { target: 'room', targetId: lobby('games.example').id }), []);
    await editor.getByRole('button', { name: 'close' }).click();

    // Their user is the shop's sam: the games' sam said none of it.
    await page.locator('.timeline .entry-user').first().click();
    await page.getByTestId('user-view').waitFor();
    await page.getByTestId('user-domain').filter({ hasText: 'shop.example' }).waitFor();
    assert.match(await page.getByTestId('user-summary').innerText(), /^2 entries in 1 room/);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=user-view] .timeline .entry').length === 2);
    assert.deepEqual(await page.locator('[data-testid=user-view] .timeline .entry-content').allInnerTexts(), [
      'welcome to the shop',
      'opening hours?',
    ]);
    // An entry in context: its domain's room, named so.
    await page.locator('[data-testid=user-view] .timeline .entry').first().dblclick();
    await page.locator('.main-head h1', { hasText: /^#lobby · shop\.example around / }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.timeline .entry').length === 2);
    await done(page);
  });

  test('domain:ID typed in the search box finds that domain’s messages, and takes the place of the room chosen in the list', async () => {
    const desk = await newDesk();
    for (const [domainID, text, callID] of [
      ['shop.example', 'hello from the shop', 'a'],
      ['games.example', 'hello from the games', 'b'],
    ] as const) {
      const xml = messagesXml({ lobby: [{ ts: BASE, user: 'sam', content: text }] }, { callID });
      const answer = await postForm(
        callbackUrl(desk.callbackUrl, { function: 'sendOfflineMessages', domainID, type: 'chat', callID }),
        xml,
      );
      assert.equal(answer.status, 200);
    }
    const page = await desk.open();
    await page.getByTestId('room-list').locator('.room', { hasText: 'shop.example' }).click();
    await page.locator('.main-head h1', { hasText: '#lobby · shop.example' }).waitFor();
    await page.getByTestId('search').fill('hello domain:games.example');
    await page.getByTestId('result-count').filter({ hasText: '1 hit in chat domain “games.example”' }).waitFor();
    assert.deepEqual(await page.locator('[data-testid=search-results] .entry-content').allInnerTexts(), ['hello from the games']);
    await page.getByTestId('search').fill('hello domain:shop.example');
    await page.getByTestId('result-count').filter({ hasText: '1 hit in chat domain “shop.example”' }).waitFor();
    assert.deepEqual(await page.locator('[data-testid=search-results] .entry-content').allInnerTexts(), ['hello from the shop']);
    await done(page);
  });
});
