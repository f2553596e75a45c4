// The viewer's key travels in a header, never in a cookie: cookies ignore ports, so every other
// server on 127.0.0.1 would receive a cookie of ours, and could replay it from curl. The page
// exchanges the printed launch key for a key of its own (sessionStorage: per origin, port
// included), a download carries a one-use ticket, and nothing the browser sends by itself opens
// the API.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { deskTests, done, endDeskTest, lobbyDesk, newDesk, screenshot, stopDesks, type Desk } from './support/desk.js';

deskTests();

/** Another local server, as a developer's or an attacker's: it keeps the headers it is sent, and plants cookies. */
async function otherLocalServer(plant: string[]) {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': plant });
    res.end('<!doctype html><title>another local app</title><p>hello</p>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, seen, close: () => server.close() };
}

describe("the viewer's key is the page's, not a cookie another port can read", () => {
  afterEach(endDeskTest);

  test('what the browser sends another server on 127.0.0.1 opens nothing, and what it plants opens nothing', async () => {
    const desk = await lobbyDesk();
    const { origin, port } = new URL(desk.viewerUrl);
    const launchKey = new URL(desk.viewerUrl).searchParams.get('key')!;
    const page = await desk.open();
    await page.locator('[data-room=lobby]').waitFor();
    const replay = (cookie: string) =>
      fetch(`${origin}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: '{}' });

    // The same browser visits another local server, which is sent every cookie the browser holds
    // for 127.0.0.1 (whatever their port), and replays them as curl would.
    const other = await otherLocalServer([`omv_key=${launchKey}; Path=/`, `omv_key_${port}=${launchKey}; Path=/`]);
    try {
      await page.goto(other.url);
      const harvested = (other.seen[0]!.cookie ?? '').split(/;\s*/).filter(Boolean);
      for (const cookie of harvested)
        assert.equal((await replay(cookie)).status, 401, `another local server replayed the cookie ${cookie}`);
      assert.deepEqual(harvested, [], 'the browser holds no cookie of ours');
      assert.equal(await page.evaluate(() => sessionStorage.getItem('omv.pageKey')), null, "another origin does not see the page's key");

      // It plants cookies for 127.0.0.1 (the launch key itself, a port-named one): they open nothing.
      await page.goto(`${origin}/`);
      await page.locator('[data-room=lobby]').waitFor(); // the page still works, with its own key
      const pageKey = (await page.evaluate(() => sessionStorage.getItem('omv.pageKey')))!;
      assert.ok(pageKey, 'the page keeps its own key for this tab');
      for (const cookie of [`omv_key=${launchKey}`, `omv_key_${port}=${launchKey}`, `omv_key=${pageKey}`, `omv_key_${port}=${pageKey}`])
        assert.equal((await replay(cookie)).status, 401, `cookie ${cookie}`);
    } finally {
      other.close();
    }
    await done(page);
  });

  test('a reload keeps the page working; a tab without the printed URL is told to open it', async () => {
    const desk = await lobbyDesk();
    const page = await desk.open();
    await page.reload();
    await page.locator('[data-room=lobby]').waitFor();
    // A tab that never had the printed URL (its sessionStorage empty) is told what to do.
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.getByText('open the URL that omv serve printed').first().waitFor();
    await screenshot(page, 'viewer-without-key');
    await done(page);
  });
});

describe('the key over HTTP', () => {
  let desk: Desk;
  let origin: string;
  let launchKey: string;
  before(async () => {
    desk = await newDesk();
    origin = new URL(desk.viewerUrl).origin;
    launchKey = new URL(desk.viewerUrl).searchParams.get('key')!;
  });
  after(stopDesks);
  const post = (path: string, headers: Record<string, string>, body = '{}') =>
    fetch(`${origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  test('the viewer URL sets no cookie with a key in it (it clears the one an older omv set)', async () => {
    const landing = await fetch(desk.viewerUrl, { redirect: 'manual' });
    assert.equal(landing.status, 200);
    const cookies = landing.headers.getSetCookie();
    assert.deepEqual(cookies, ['omv_key=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict']);
  });

  test('the launch key is exchanged for a page key; a page key opens the API in the header only, and makes no more keys', async () => {
    const exchanged = (await (await post('/key/page', { 'x-omv-key': launchKey })).json()) as { ok: boolean; value: string };
    assert.equal(exchanged.ok, true);
    const pageKey = exchanged.value;
    assert.notEqual(pageKey, launchKey);
    assert.equal((await post('/api/rooms', { 'x-omv-key': pageKey })).status, 200);
    // The contract's own calls keep their names: its session call is the desk's, not a key's.
    const session = (await (await post('/api/session', { 'x-omv-key': pageKey })).json()) as { ok: boolean; value: object };
    assert.equal(session.ok, true);
    assert.ok('suggestedModerator' in session.value);
    assert.equal((await post('/api/rooms', { cookie: `omv_key=${pageKey}` })).status, 401);
    assert.equal((await post('/key/page', { 'x-omv-key': pageKey })).status, 403);
    assert.equal((await post('/key/page', {})).status, 401);
    assert.equal((await post('/api/rooms', { 'x-omv-key': `${pageKey}x` })).status, 401);
  });

  test('a download is opened by a ticket, once', async () => {
    const ticket = ((await (await post('/key/ticket', { 'x-omv-key': launchKey })).json()) as { value: string }).value;
    const download = (t: string) => fetch(`${origin}/api/export.csv?filter=%7B%7D&ticket=${encodeURIComponent(t)}`);
    const first = await download(ticket);
    assert.equal(first.status, 200);
    assert.match(await first.text(), /^entry_id,time_utc,/);
    assert.equal((await download(ticket)).status, 401, 'used up');
    assert.equal((await download('made-up')).status, 401);
    assert.equal((await fetch(`${origin}/api/export.csv?filter=%7B%7D`)).status, 401);
    assert.equal((await post('/key/ticket', {})).status, 401, 'a ticket needs a key');
  });
});
