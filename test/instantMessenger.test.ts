// The vendor's instant messenger: its connection list (who is connected to whom) is kept as a
// snapshot of its own shape; notifyConnectionClosed and sendPendingMessages keep the members they
// name and store the undelivered messages they carry, or keep an unknown document in quarantine.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseBytes } from '../main/parser/parse.js';
import { insertDelivery } from '../main/store/deliveries.js';
import { openDatabase } from '../main/store/db.js';
import { omv } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { messagesXml } from './support/payloads.js';
import { startTestReceiver } from './support/receiver.js';
import { tempDir } from './support/tmp.js';

const CONNECTION_LIST = `<?xml version="1.0" encoding="utf-8"?>
<connectionList>
  <server>im1.example.com</server>
  <c><f type="m">alice_42</f><t>bob</t></c>
  <c><f type="s">9f2c0e7a</f><t>carol</t></c>
</connectionList>`;

test('the connection list is read as connections: from a member or a session, to a member, with its server', () => {
  const events = [...parseBytes(Buffer.from(CONNECTION_LIST)).events].filter((e) => e.kind === 'connection');
  assert.deepEqual(events, [
    { kind: 'connection', server: 'im1.example.com', fromKind: 'm', from: 'alice_42', to: 'bob' },
    { kind: 'connection', server: 'im1.example.com', fromKind: 's', from: '9f2c0e7a', to: 'carol' },
  ]);
  assert.throws(() => parseBytes(Buffer.from('<connectionList><c><f type="x">a</f><t>b</t></c></connectionList>')), /has type "x"/);
  assert.throws(() => parseBytes(Buffer.from('<connectionList><c><f type="m">a</f></c></connectionList>')), /needs an <f> and a <t>/);
});

test('sendConnectionList from the instant messenger is stored as a snapshot of connections', async () => {
  const receiver = await startTestReceiver();
  const answer = await postForm(
    callbackUrl(receiver.callbackUrl, { function: 'sendConnectionList', domainID: 'im.example', callID: 'c1' }),
    CONNECTION_LIST,
  );
  assert.equal(answer.status, 200);
  assert.deepEqual(
    receiver.db
      .prepare(
        'SELECT s.server, c.from_kind, c.from_id, c.to_id FROM im_connections c JOIN im_connection_snapshots s ON s.id = c.snapshot_id ORDER BY c.rowid',
      )
      .all(),
    [
      { server: 'im1.example.com', from_kind: 'm', from_id: 'alice_42', to_id: 'bob' },
      { server: 'im1.example.com', from_kind: 's', from_id: '9f2c0e7a', to_id: 'carol' },
    ],
  );
});

test('notifyConnectionClosed and sendPendingMessages: members kept, undelivered messages stored, an empty notification answered 200, an unknown document quarantined', async () => {
  const receiver = await startTestReceiver();
  const url = (fn: string, callID: string, members: Record<string, string> = {}) =>
    callbackUrl(receiver.callbackUrl, { function: fn, domainID: 'im.example', callID, ...members });
  const pending = messagesXml({ 'im:alice_42>bob': [{ ts: 1_700_000_000_000, user: 'alice_42', content: 'are you there?' }] });
  const stored = await postForm(url('sendPendingMessages', 'p1', { memberID: 'alice_42', targetMemberID: 'bob' }), pending);
  assert.equal(stored.status, 200);
  assert.match(stored.text, /1 entries \(1 new\)/);
  // No xmlData at all: a notification, kept; the same with other members is another one.
  for (const [callID, memberID] of [
    ['n1', 'alice_42'],
    ['n2', 'carol'],
  ]) {
    const response = await fetch(url('notifyConnectionClosed', callID!, { memberID: memberID!, targetMemberID: 'bob' }), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'other=1',
    });
    assert.equal(response.status, 200, await response.clone().text());
  }
  // No body at all, and so no form: the same.
  const bodiless = await fetch(url('notifyConnectionClosed', 'n0', { memberID: 'erin', targetMemberID: 'bob' }), { method: 'POST' });
  assert.equal(bodiless.status, 200, await bodiless.clone().text());
  const unknown = await postForm(url('notifyConnectionClosed', 'n3', { memberID: 'dave' }), '<presence><who>dave</who></presence>');
  assert.equal(unknown.status, 200);
  assert.match(unknown.text, /kept in quarantine .*<presence> is not a payload this receiver knows/);
  assert.deepEqual(
    receiver.db.prepare('SELECT function, member_id, target_member_id, status, entry_count FROM deliveries ORDER BY id').all(),
    [
      { function: 'sendPendingMessages', member_id: 'alice_42', target_member_id: 'bob', status: 'stored', entry_count: 1 },
      { function: 'notifyConnectionClosed', member_id: 'alice_42', target_member_id: 'bob', status: 'stored', entry_count: 0 },
      { function: 'notifyConnectionClosed', member_id: 'carol', target_member_id: 'bob', status: 'stored', entry_count: 0 },
      { function: 'notifyConnectionClosed', member_id: 'erin', target_member_id: 'bob', status: 'stored', entry_count: 0 },
      { function: 'notifyConnectionClosed', member_id: 'dave', target_member_id: null, status: 'quarantined', entry_count: 0 },
    ],
  );
  // Without a function that may go bare, a missing xmlData is still refused.
  const bare = await fetch(url('sendOfflineMessages', 'x1'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'a=1',
  });
  assert.equal(bare.status, 400);
  for (const init of [{ method: 'POST' }, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }]) {
    const formless = await fetch(url('sendOfflineMessages', 'x2'), init);
    assert.equal(formless.status, 400, 'a delivery with no form at all is refused');
  }
  // A notification with a body that is no form is refused too: only no body at all is a bare notification.
  const notForm = await fetch(url('notifyConnectionClosed', 'n9', { memberID: 'zed' }), {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'hello',
  });
  assert.equal(notForm.status, 400);
});

test('after an upgrade, omv quarantine retry stores what an older omv kept: a connection list and pending messages', async () => {
  const path = join(tempDir(), 'omv.sqlite');
  const db = openDatabase(path);
  const keep = (fn: string, payload: Buffer, reason: string) =>
    insertDelivery(
      db,
      {
        source: 'callback',
        function: fn,
        domainId: 'im.example',
        type: null,
        callId: fn,
        receivedAt: Date.UTC(2026, 0, 5),
        payload,
        payloadSize: payload.length,
        sha256: createHash('sha256').update(payload).digest('hex'),
      },
      'quarantined',
      reason,
    );
  keep(
    'sendConnectionList',
    Buffer.from(CONNECTION_LIST),
    'malformed payload at 2:17: <connectionList> is not a payload this receiver knows',
  );
  keep(
    'sendPendingMessages',
    Buffer.from(messagesXml({ dm: [{ ts: 1_700_000_000_000, user: 'a', content: 'late' }] })),
    'unknown function "sendPendingMessages": kept unparsed',
  );
  db.close();
  const retried = await omv(['quarantine', '--db', path, 'retry']);
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stdout, /2 retried: 2 stored, 0 still quarantined/);
  const after = openDatabase(path);
  assert.equal(after.prepare('SELECT count(*) FROM im_connections').pluck().get(), 2);
  assert.equal(after.prepare("SELECT content FROM entries WHERE content = 'late'").pluck().get(), 'late');
  after.close();
});
