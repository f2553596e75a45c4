// The desktop app as a team server's client (main/electron/connection.ts): the address a moderator
// types, the choice kept, and the server's certificate — one the system trusts, or exactly the one
// the moderator pinned after comparing fingerprints; a self-signed or changed one is not taken.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  certificateAccepted,
  fingerprintOfPem,
  readConnection,
  sameServer,
  serverCertificate,
  teamUrl,
  writeConnection,
} from '../main/electron/connection.js';
import { testCertificate } from './support/teamServer.js';
import { tempDir } from './support/tmp.js';

test('a team server is typed as a moderator types it, over https (http on this machine only)', () => {
  assert.equal(teamUrl('omv.example.org'), 'https://omv.example.org/');
  assert.equal(teamUrl('https://omv.example.org:8443/desk?x=1#y'), 'https://omv.example.org:8443/desk');
  assert.equal(teamUrl('http://127.0.0.1:8420'), 'http://127.0.0.1:8420/');
  assert.throws(() => teamUrl('http://omv.example.org'), /reached over https/);
  assert.throws(() => teamUrl('ftp://omv.example.org'), /reached over https/);
  assert.throws(() => teamUrl('https://'), /not an address/);
});

test('the choice is kept in the user-data folder, and a file that is not one is no choice', () => {
  const file = join(tempDir(), 'sub', 'connection.json');
  assert.equal(readConnection(file), null);
  writeConnection(file, { kind: 'team', url: 'https://omv.example.org/', pinned: 'AB:CD' });
  assert.deepEqual(readConnection(file), { kind: 'team', url: 'https://omv.example.org/', pinned: 'AB:CD' });
  writeConnection(file, { kind: 'local' });
  assert.deepEqual(readConnection(file), { kind: 'local' });
});

test("a self-signed server's certificate is shown with its fingerprint, taken only once pinned, and refused when it changes", async () => {
  const cert = testCertificate();
  const server = https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const seen = await serverCertificate(url);
  assert.equal(seen.trusted, false, 'no authority the system trusts signed it');
  assert.match(String(seen.problem), /SELF_SIGNED|self[- ]signed/i);
  // The fingerprint is the certificate's own, as openssl x509 -fingerprint -sha256 prints it.
  const der = Buffer.from(cert.cert.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const expected = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
  assert.equal(seen.fingerprint, expected);
  assert.equal(fingerprintOfPem(cert.cert), expected, 'as Electron hands a certificate over (PEM)');

  const unpinned = { kind: 'team' as const, url, pinned: null };
  assert.equal(certificateAccepted(unpinned, seen), false);
  const pinned = { ...unpinned, pinned: expected.replaceAll(':', '').toLowerCase() };
  assert.equal(certificateAccepted(pinned, seen), true, 'the fingerprint the moderator confirmed, in any spelling');
  const other = testCertificate(['127.0.0.1', '10.0.0.1']);
  assert.equal(certificateAccepted(pinned, { trusted: false, fingerprint: fingerprintOfPem(other.cert) }), false, 'a changed certificate');
  assert.equal(certificateAccepted(unpinned, { trusted: true, fingerprint: 'anything' }), true, 'one the system trusts');
  // With the test's certificate as the authority, it is trusted: what a real CA-signed server looks like.
  assert.equal((await serverCertificate(url, { ca: cert.cert })).trusted, true);

  assert.equal(sameServer(pinned, `${url}api/rooms`), true);
  assert.equal(sameServer(pinned, 'https://evil.example/'), false);
  assert.equal(certificateAccepted({ kind: 'local' }, seen), false);
});
