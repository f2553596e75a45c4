// The first thing a new moderator tries: the desk open on an empty database, then the first
// callbacks arrive. Their entries must reach the timeline live, without a reload.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { deskTests, done, endDeskTest, newDesk } from './support/desk.js';

deskTests();

describe('an empty desk', () => {
  afterEach(endDeskTest);

  test('the first callbacks on an empty database reach the timeline without a reload', async () => {
    const desk = await newDesk();
    const page = await desk.open();
    await page.getByText('No entries here yet.').waitFor();
    const first = await desk.deliver(
      { lobby: [{ ts: Date.UTC(2024, 2, 1, 9), user: 'alice', content: 'the very first message' }] },
      'first',
    );
    assert.equal(first.status, 200);
    await page.locator('.timeline .entry', { hasText: 'the very first message' }).waitFor();
    // And the window, now filled, keeps following: a second callback in another room.
    await desk.deliver({ games: [{ ts: Date.UTC(2024, 2, 1, 9, 5), user: 'bob', content: 'and a second one' }] }, 'second');
    await page.locator('.timeline .entry', { hasText: 'and a second one' }).waitFor();
    // A room opened while empty follows too.
    await page.locator('[data-room=games]').click();
    await page.locator('.main-head h1', { hasText: '#games' }).waitFor();
    await desk.deliver({ games: [{ ts: Date.UTC(2024, 2, 1, 9, 6), user: 'bob', content: 'third, in games' }] }, 'third');
    await page.locator('.timeline .entry', { hasText: 'third, in games' }).waitFor();
    await done(page);
  });

  test('a room with nothing yet fills when its first entries arrive', async () => {
    const desk = await newDesk();
    await desk.deliver({ lobby: [{ ts: Date.UTC(2024, 2, 1, 9), user: 'alice', content: 'lobby only' }] }, 'lobby');
    const page = await desk.open();
    await page.getByTestId('search').fill('in:later');
    await page.getByText('No entries here yet.').waitFor();
    await desk.deliver({ later: [{ ts: Date.UTC(2024, 2, 1, 10), user: 'carol', content: 'a room that came later' }] }, 'later');
    await page.locator('.timeline .entry', { hasText: 'a room that came later' }).waitFor();
    await done(page);
  });
});
