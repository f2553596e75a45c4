import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { omv, omvServe } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { SEED_XML } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`omv serve prints its URL, logs deliveries and stops cleanly on ${signal}`, async () => {
    const db = join(tempDir(), 'omv.sqlite');
    const server = await omvServe(['--db', db, '--token', 'tok']);
    assert.match(server.callbackUrl, /^http:\/\/127\.0\.0\.1:\d+\/callback\/tok$/);
    assert.match(server.output(), new RegExp(`omv: database ${db}`));
    const answer = await postForm(
      callbackUrl(server.callbackUrl, { function: 'sendOfflineMessages', domainID: 'example.com', callID: '7' }),
      SEED_XML,
    );
    assert.equal(answer.status, 200);
    server.child.kill(signal);
    const [code] = await once(server.child, 'exit');
    assert.equal(code, 0);
    assert.match(server.output(), /200 sendOfflineMessages example\.com call 7: stored as delivery 1: 3 entries \(3 new\)/);
    assert.match(server.output(), new RegExp(`omv: ${signal}: finishing deliveries in progress and stopping`));
    assert.match((await omv(['stats', '--db', db])).stdout, /^entries {7}3 /m);
  });
}

test('omv serve refuses a port that is none, before it makes a database', async () => {
  const db = join(tempDir(), 'omv.sqlite');
  for (const port of ['70000', '99999', 'http']) {
    const result = await omv(['serve', '--db', db, '--port', port]);
    assert.equal(result.code, 2, port);
    assert.match(result.stderr, new RegExp(`--port takes a port from 1 to 65535 \\(0: any free one\\), not "${port}"`));
  }
  assert.equal(existsSync(db), false);
});

test('omv serve refuses a public address without a token', async () => {
  const result = await omv(['serve', '--db', join(tempDir(), 'omv.sqlite'), '--host', '0.0.0.0', '--port', '0']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /refusing to listen on 0\.0\.0\.0 without --token/);
});

test('omv serve --host 127.0.0.2 prints the viewer URL on that address, and the viewer answers there', async () => {
  const server = await omvServe(['--db', join(tempDir(), 'omv.sqlite'), '--host', '127.0.0.2']);
  assert.match(server.callbackUrl, /^http:\/\/127\.0\.0\.2:\d+\/callback$/);
  const viewerUrl = /viewer at (\S+)/.exec(server.output())![1]!;
  const { origin, searchParams } = new URL(viewerUrl);
  assert.equal(origin, new URL(server.callbackUrl).origin);
  assert.equal((await fetch(viewerUrl)).status, 200);
  const rooms = await fetch(`${origin}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-omv-key': searchParams.get('key')! },
    body: '{}',
  });
  assert.equal(rooms.status, 200);
  assert.deepEqual(await rooms.json(), { ok: true, value: [] });
});

test('omv serve on every interface (with a token) prints the viewer on 127.0.0.1', async () => {
  const server = await omvServe(['--db', join(tempDir(), 'omv.sqlite'), '--host', '0.0.0.0', '--token', 'tok']);
  const viewerUrl = /viewer at (\S+)/.exec(server.output())![1]!;
  assert.match(viewerUrl, /^http:\/\/127\.0\.0\.1:\d+\/\?key=/);
  assert.equal((await fetch(viewerUrl)).status, 200);
});

const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((info) => info?.family === 'IPv4' && !info.internal)?.address;
test(
  'omv serve on a LAN address offers no viewer (it answers loopback only), and says so',
  { skip: lanAddress ? false : 'this machine has no LAN address' },
  async () => {
    const server = await omvServe(['--db', join(tempDir(), 'omv.sqlite'), '--host', lanAddress!, '--token', 'tok']);
    // One write says all three lines: the callback URL, what to give the vendor, the viewer.
    assert.doesNotMatch(server.output(), /viewer at/);
    assert.match(
      server.output(),
      new RegExp(
        `omv: no viewer: it answers this machine's loopback only, and ${lanAddress!.replaceAll('.', '\\.')} is not a loopback address`,
      ),
    );
  },
);
