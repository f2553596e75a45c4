// Who may write into the database through the callback URL: not a web page the moderator happens
// to open (it can post to 127.0.0.1 like anyone on this machine), and, where secrets are set, only
// a sender with the secret of the domain it delivers for.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { GroupCommit } from '../main/intake/receiver/groupCommit.js';
import { startReceiver } from '../main/intake/receiver/server.js';
import { openDatabase } from '../main/store/db.js';
import { launchChromium } from './support/chromium.js';
import { omv, omvServe } from './support/cli.js';
import { callbackUrl, postForm, urlencodedBody } from './support/http.js';
import { messagesXml, SEED_XML } from './support/payloads.js';
import { startTestReceiver, type TestReceiver } from './support/receiver.js';
import { startTeam, teamDatabase } from './support/teamServer.js';
import { tempDir } from './support/tmp.js';

const FORGED = messagesXml({ lobby: [{ ts: 1_700_000_000_000, user: 'alice', content: 'FORGED: I know where you live' }] });
const deliveries = (r: TestReceiver) => r.db.prepare('SELECT count(*) FROM deliveries').pluck().get();
const offline = (base: string, domainID: string, callID: string) =>
  callbackUrl(base, { function: 'sendOfflineMessages', domainID, type: 'chat', callID });

describe('a web page cannot deliver callbacks', () => {
  let browser: Browser;
  let page: Server;
  /** What the attacking page's form posts to, set by each test. */
  let target = '';
  before(async () => {
    browser = await launchChromium();
    // Another origin on this machine: a page that submits a form to the callback URL as soon as it loads.
    page = createServer((_req, res) => {
      const escaped = FORGED.replaceAll('&', '&amp;').replaceAll('<', '&lt;');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><form id="f" method="post" action="${target.replaceAll('&', '&amp;')}">` +
          `<textarea name="xmlData">${escaped}</textarea></form><script>document.getElementById('f').submit()</script>`,
      );
    });
    page.listen(0, '127.0.0.1');
    await once(page, 'listening');
  });
  after(async () => {
    await browser.close();
    page.close();
  });

  for (const pageHost of ['127.0.0.1', 'localhost']) {
    test(`a form on http://${pageHost}:(another port) auto-submitted to the callback URL is refused (403) and stores nothing`, async () => {
      const r = await startTestReceiver();
      target = offline(r.callbackUrl, 'example.com', 'forged');
      const tab = await browser.newPage();
      try {
        const answered = tab.waitForResponse((response) => response.url().startsWith(r.callbackUrl));
        await tab.goto(`http://${pageHost}:${(page.address() as AddressInfo).port}/`);
        const response = await answered;
        assert.equal(response.status(), 403, await response.text());
        assert.match(await response.text(), /^forbidden: a web page sent it \((Sec-Fetch-Site: same-site|Sec-Fetch-Site: cross-site)\)/);
      } finally {
        await tab.close();
      }
      assert.equal(deliveries(r), 0);
      assert.equal(r.db.prepare("SELECT count(*) FROM entries WHERE content LIKE 'FORGED%'").pluck().get(), 0);
      assert.ok(
        r.log.some((line) => /^403 sendOfflineMessages example\.com: a web page sent it/.test(line)),
        r.log.join('\n'),
      );
    });
  }

  test('a request that names an Origin, or a Sec-Fetch-Site other than none or same-origin, is refused; the vendor’s is taken', async () => {
    const r = await startTestReceiver();
    const post = (headers: Record<string, string>) =>
      fetch(offline(r.callbackUrl, 'example.com', 'h'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: urlencodedBody(Buffer.from(FORGED)),
      });
    const refused: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: 'null' },
      { origin: r.callbackUrl.replace(/\/callback.*/, '') },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'same-origin', origin: 'http://evil.example' },
    ];
    for (const headers of refused) {
      const answer = await post(headers);
      assert.equal(answer.status, 403, JSON.stringify(headers));
    }
    assert.equal(deliveries(r), 0);
    // A server-side client sends neither (and Sec-Fetch-Site: none or same-origin alone is no page of another origin).
    assert.equal((await post({})).status, 200);
    assert.equal((await post({ 'sec-fetch-site': 'none' })).status, 200);
    assert.equal(deliveries(r), 1);
  });
});

describe('callback secrets, one for every domain or one per domain', () => {
  // As `omv serve --callback-secret every-domain --callback-secret a.example=secret-a --callback-secret b.example=secret/b` gives them.
  const secrets = {
    everyDomain: 'every-domain',
    byDomain: new Map([
      ['a.example', 'secret-a'],
      ['b.example', 'secret/b'],
    ]),
  };
  const at = (r: TestReceiver, path: string) => r.callbackUrl.replace(/\/callback.*$/, path);

  test('a callback whose domainID’s secret is not the one in its path gets 403 and nothing is stored', async () => {
    const r = await startTestReceiver({ callbackSecrets: secrets });
    assert.match(r.callbackUrl, /\/callback\/every-domain$/);
    assert.deepEqual(
      r.domainCallbackUrls.map(({ domainId, url }) => [domainId, new URL(url).pathname]),
      [
        ['a.example', '/callback/secret-a'],
        ['b.example', '/callback/secret%2Fb'],
      ],
    );
    const cases: Array<[string, string, number]> = [
      ['/callback/secret-a', 'a.example', 200],
      ['/callback/secret%2Fb', 'b.example', 200],
      ['/callback/every-domain', 'c.example', 200],
      ['/callback/every-domain', 'a.example', 403],
      ['/callback/secret-a', 'b.example', 403],
      ['/callback/secret-a', 'c.example', 403],
      ['/callback', 'a.example', 403],
      ['/callback', 'c.example', 403],
      ['/callback/secret-ax', 'a.example', 403],
      ['/callback/every-domain', '', 200],
    ];
    for (const [i, [path, domain, status]] of cases.entries()) {
      const answer = await postForm(offline(at(r, path), domain, `s${i}`), SEED_XML);
      assert.equal(answer.status, status, `${path} for "${domain}": ${answer.text}`);
      if (status === 403) assert.match(answer.text, /^forbidden: the secret in this callback URL is not the one for domainID/);
    }
    assert.deepEqual(r.db.prepare('SELECT domain_id FROM deliveries ORDER BY id').pluck().all(), [
      'a.example',
      'b.example',
      'c.example',
      '',
    ]);
  });

  test('only some domains with a secret, on loopback: the others are called at the bare /callback', async () => {
    const r = await startTestReceiver({ callbackSecrets: { everyDomain: null, byDomain: new Map([['a.example', 'secret-a']]) } });
    assert.match(r.callbackUrl, /\/callback$/);
    assert.equal((await postForm(offline(at(r, '/callback/secret-a'), 'a.example', '1'), SEED_XML)).status, 200);
    assert.equal((await postForm(offline(at(r, '/callback'), 'c.example', '2'), SEED_XML)).status, 200);
    assert.equal((await postForm(offline(at(r, '/callback'), 'a.example', '3'), SEED_XML)).status, 403);
    assert.equal((await postForm(offline(at(r, '/callback/secret-a'), 'c.example', '4'), SEED_XML)).status, 403);
    assert.equal(deliveries(r), 2);
  });

  test('off loopback, every domain needs a secret: secrets for some domains are not enough', async () => {
    const db = openDatabase(join(tempDir(), 'omv.sqlite'));
    await assert.rejects(
      startReceiver({
        deliveries: new GroupCommit(db),
        host: '0.0.0.0',
        port: 0,
        callbackSecrets: { everyDomain: null, byDomain: new Map([['a.example', 's']]) },
      }),
      /refusing to listen on 0\.0\.0\.0 without --token/,
    );
    db.close();
  });

  test('omv serve --callback-secret prints the URL to give the vendor for each domain, and checks them', async () => {
    const db = join(tempDir(), 'omv.sqlite');
    const server = await omvServe(['--db', db, '--callback-secret', 'every', '--callback-secret', 'a.example=sa']);
    const printed = /receiving callbacks for domainID a\.example at (\S+)/.exec(server.output());
    assert.ok(printed, server.output());
    assert.match(server.callbackUrl, /\/callback\/every$/);
    assert.match(printed[1]!, /\/callback\/sa$/);
    assert.equal((await postForm(offline(printed[1]!, 'a.example', '1'), SEED_XML)).status, 200);
    assert.equal((await postForm(offline(server.callbackUrl, 'a.example', '2'), SEED_XML)).status, 403);
    assert.equal((await postForm(offline(server.callbackUrl, 'c.example', '3'), SEED_XML)).status, 200);

    // --token is the secret for every domain: giving a second one is a mistake, said as such.
    const twice = await omv(['serve', '--db', db, '--port', '0', '--token', 'x', '--callback-secret', 'y']);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /one secret for every domain, please: --token and --callback-secret SECRET are the same thing/);
  });

  test('a team server given secrets for named domains only says every other domain is refused, and its desk shows the URL that is taken', async () => {
    const store = await teamDatabase({ anna: 'admin', maya: 'moderator' });
    const team = await startTeam(store, { secret: 'a.example=sa' });
    const output = team.serve.output();
    assert.doesNotMatch(output, /receiving callbacks at /, 'no URL that would refuse every callback is given out');
    assert.match(output, /callbacks for any other domain are refused: it has no secret/);
    assert.match(team.callbackUrl, /\/callback\/sa$/);
    assert.equal((await postForm(offline(team.callbackUrl, 'a.example', '1'), SEED_XML)).status, 200);
    assert.equal((await postForm(offline(new URL('/callback', team.callbackUrl).href, 'c.example', '2'), SEED_XML)).status, 403);
    const status = async (name: string) =>
      (JSON.parse((await team.call(await team.signIn(name), 'receiverStatus')).body) as { value: { callbackUrl: string | null } }).value;
    assert.equal((await status('anna')).callbackUrl, `${team.callbackUrl} (domainID a.example)`);
    assert.match((await status('maya')).callbackUrl!, /\/callback\/… \(domainID a\.example\)$/, 'the secret kept from a moderator');
  });
});
