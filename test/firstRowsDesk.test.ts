// The desk opens on its newest rows: the page asks for them first, before drawing anything and
// before the rooms, the chart and the counts, and shows them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deskTests, done, lobbyDesk, stopDesks, type Desk } from './support/desk.js';

deskTests();

let desk: Desk;
before(async () => {
  desk = await lobbyDesk();
});
after(stopDesks);

test('the desk asks for its newest rows before anything else, and opens on them', async () => {
  const asked: string[] = [];
  const page = await desk.open('light', undefined, (page) =>
    page.on('request', (request) => {
      const call = /\/api\/(\w+)$/.exec(new URL(request.url()).pathname);
      if (call) asked.push(call[1]!);
    }),
  );
  await page.locator('.timeline .entry').first().waitFor();
  // The live events' stream is not a call: the first call is the timeline's newest page.
  const calls = asked.filter((name) => name !== 'events');
  assert.equal(calls[0], 'timeline', `the calls in the order asked: ${calls.join(', ')}`);
  assert.equal(calls.filter((name) => name === 'timeline').length, 1, 'the newest page is asked for once');
  // …and it is the newest page that is shown: the lobby's last entry is on screen.
  await page.locator('.timeline .entry', { hasText: 'onerror' }).first().waitFor();
  await done(page);
});
