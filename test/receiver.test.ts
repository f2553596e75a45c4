import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { GroupCommit } from '../main/intake/receiver/groupCommit.js';
import { startReceiver } from '../main/intake/receiver/server.js';
import { openDatabase } from '../main/store/db.js';
import { callbackUrl, postForm, postMultipart, urlencodedBody } from './support/http.js';
import { CLASSIC_ARCHIVE_XML, messagesXml, SEED_XML } from './support/payloads.js';
import { startTestReceiver } from './support/receiver.js';
import { tempDir } from './support/tmp.js';

const offline = (base: string, callID: string, extra: Record<string, string> = {}) =>
  callbackUrl(base, { function: 'sendOfflineMessages', domainID: 'example.com', type: 'chat', callID, ...extra });

describe('deliveries', () => {
  test('a delivery is stored and answered 200 only once committed', async () => {
    const r = await startTestReceiver();
    const answer = await postForm(offline(r.callbackUrl, '123123'), SEED_XML);
    assert.equal(answer.status, 200);
    assert.match(answer.text, /stored as delivery 1: 3 entries \(3 new\)/);
    const delivery = r.db.prepare('SELECT * FROM deliveries').get() as Record<string, unknown>;
    assert.equal(delivery['status'], 'stored');
    assert.equal(delivery['function'], 'sendOfflineMessages');
    assert.equal(delivery['domain_id'], 'example.com');
    assert.equal(delivery['call_id'], '123123');
    assert.equal(delivery['kind'], 'messageOffline');
    assert.deepEqual(delivery['payload'], Buffer.from(SEED_XML));
    assert.equal(r.db.prepare('SELECT count(*) FROM entries').pluck().get(), 3);
  });

  test('retries and repeats (the same bytes, function and domain), urlencoded or multipart, are stored once', async () => {
    const r = await startTestReceiver();
    assert.equal((await postForm(offline(r.callbackUrl, '1'), SEED_XML)).status, 200);
    const retry = await postForm(offline(r.callbackUrl, '1'), SEED_XML);
    assert.equal(retry.status, 200);
    assert.match(retry.text, /already received as delivery 1/);
    assert.equal((await postMultipart(offline(r.callbackUrl, '1'), SEED_XML, true)).status, 200);
    assert.equal((await postForm(offline(r.callbackUrl, '3'), SEED_XML)).status, 200);
    assert.equal(r.db.prepare('SELECT count(*) FROM deliveries').pluck().get(), 1);
    assert.equal(r.db.prepare('SELECT duplicates FROM deliveries').pluck().get(), 3);
    // A browser-style form field has its line ends turned into CRLF: other bytes under the same
    // callID are kept as a delivery of their own, and add no entry the first did not.
    const crlf = await postMultipart(offline(r.callbackUrl, '1'), SEED_XML, false);
    assert.match(crlf.text, /stored as delivery 2: 3 entries \(0 new\)/);
    assert.equal(r.db.prepare('SELECT count(*) FROM entries').pluck().get(), 3);
  });

  test('the same entries in a different delivery (an archive) are not stored twice', async () => {
    const r = await startTestReceiver();
    await postForm(offline(r.callbackUrl, '1'), SEED_XML);
    const archive = await postForm(
      callbackUrl(r.callbackUrl, { action: 'sendArchive', domainID: 'example.com', callID: 'a1' }),
      Buffer.from(CLASSIC_ARCHIVE_XML, 'latin1'),
    );
    assert.match(archive.text, /4 entries \(1 new\)/);
    assert.equal(r.db.prepare('SELECT count(*) FROM entries').pluck().get(), 4);
    // The archive's display names fill in what the offline delivery lacked.
    assert.equal(r.db.prepare("SELECT display_name FROM entries WHERE type = 'msg'").pluck().get(), 'tom');
  });

  test('the payload bytes are kept exactly, Latin-1 included', async () => {
    const r = await startTestReceiver();
    const bytes = Buffer.from(
      messagesXml({ salon: [{ ts: 1, user: 'zoé', content: 'déjà vu' }] }).replace("encoding='utf-8'", "encoding='iso-8859-1'"),
      'latin1',
    );
    assert.equal((await postForm(offline(r.callbackUrl, 'l1'), bytes)).status, 200);
    assert.deepEqual(r.db.prepare('SELECT payload FROM deliveries').pluck().get(), bytes);
    assert.deepEqual(r.db.prepare('SELECT content FROM entries').pluck().get(), 'déjà vu');
    assert.deepEqual(r.db.prepare('SELECT user_id FROM users').pluck().get(), 'zoé');
  });

  test('every payload kind through its function', async () => {
    const r = await startTestReceiver();
    const url = (fn: string, callID: string) => callbackUrl(r.callbackUrl, { function: fn, domainID: 'd', callID });
    const { ABUSE_XML, ROOMS_XML } = await import('./support/payloads.js');
    for (const [fn, xml] of [
      ['reportAbuse', ABUSE_XML],
      ['sendConnectionList', ROOMS_XML],
      ['sendArchive', messagesXml({ lobby: [{ ts: 9, user: 'u', content: 'muc' }] }, { type: 'muc', callID: 'x' }, 'messageArchive')],
    ] as const) {
      const answer = await postForm(url(fn, fn), xml);
      assert.equal(answer.status, 200, answer.text);
      assert.match(answer.text, /stored/);
    }
    assert.equal(r.db.prepare('SELECT count(*) FROM abuse_reports').pluck().get(), 1);
    assert.equal(r.db.prepare('SELECT count(*) FROM connection_snapshot_rooms').pluck().get(), 2);
  });

  test('concurrent deliveries are all committed (grouped into shared transactions)', async () => {
    const r = await startTestReceiver();
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        postForm(offline(r.callbackUrl, `c${i}`), messagesXml({ room: [{ ts: 1000 + i, user: `u${i}`, content: `hello ${i}` }] })),
      ),
    );
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200]));
    assert.equal(r.db.prepare("SELECT count(*) FROM deliveries WHERE status = 'stored'").pluck().get(), 60);
    assert.equal(r.db.prepare('SELECT count(*) FROM entries').pluck().get(), 60);
  });
});

describe('bad input is answered clearly and nothing acknowledged is lost', () => {
  test('a malformed payload is answered 200 and kept raw in quarantine with the reason', async () => {
    const r = await startTestReceiver();
    const broken = SEED_XML.replace('</userID>\n</entry>', '</userID>\n</room></entry>');
    const answer = await postForm(offline(r.callbackUrl, 'bad'), broken);
    assert.equal(answer.status, 200);
    assert.match(answer.text, /quarantine/);
    const row = r.db.prepare('SELECT status, error, payload FROM deliveries').get() as { status: string; error: string; payload: Buffer };
    assert.equal(row.status, 'quarantined');
    assert.match(row.error, /malformed payload at 9:\d+: unexpected close tag/);
    assert.equal(row.payload.toString(), broken);
    assert.equal(r.db.prepare('SELECT count(*) FROM entries').pluck().get(), 0);
    // The vendor's retry of it adds nothing more.
    assert.equal((await postForm(offline(r.callbackUrl, 'bad'), broken)).status, 200);
    assert.equal(r.db.prepare('SELECT count(*) FROM deliveries').pluck().get(), 1);
  });

  test('entries directly in their <room> are read (and said to be); an <entry> in no room quarantines the payload, never "0 entries"', async () => {
    const r = await startTestReceiver();
    const entry = (ts: number, text: string) =>
      `<entry type="msg"><timestamp>${ts}</timestamp><userID invisible="false">u</userID><content><![CDATA[${text}]]></content></entry>`;
    const inRoom = `<messageOffline><room><name>r</name>${entry(1764565200000, 'hi')}${entry(1764565200001, 'again')}</room></messageOffline>`;
    const answer = await postForm(offline(r.callbackUrl, 'in-room'), inRoom);
    assert.equal(answer.status, 200);
    assert.match(
      answer.text,
      /stored as delivery 1: 2 entries \(2 new\); repaired: <entry> elements directly in <room>, not in its <messages>: read as its messages/,
    );
    assert.deepEqual(r.db.prepare('SELECT content FROM entries ORDER BY ts').pluck().all(), ['hi', 'again']);

    const inNoRoom = `<messageOffline><room><name>r</name></room>${entry(1764565200002, 'lost?')}</messageOffline>`;
    const kept = await postForm(offline(r.callbackUrl, 'no-room'), inNoRoom);
    assert.equal(kept.status, 200);
    assert.match(
      kept.text,
      /kept in quarantine as delivery 2: malformed payload at 1:\d+: an <entry> in <messageOffline> belongs to no room's <messages>/,
    );
    assert.equal(r.db.prepare('SELECT count(*) FROM entries').pluck().get(), 2);
  });

  test('an unknown function is answered 200 with the payload kept', async () => {
    const r = await startTestReceiver();
    const answer = await postForm(callbackUrl(r.callbackUrl, { function: 'sendSomethingNew', callID: 'n' }), '<new/>');
    assert.equal(answer.status, 200);
    assert.deepEqual(r.db.prepare('SELECT status, error, payload FROM deliveries').get(), {
      status: 'quarantined',
      error: 'unknown function "sendSomethingNew": kept unparsed',
      payload: Buffer.from('<new/>'),
    });
  });

  test('missing xmlData, or no form at all: 400', async () => {
    const r = await startTestReceiver();
    const other = await fetch(offline(r.callbackUrl, '1'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'nothing=here',
    });
    assert.equal(other.status, 400);
    assert.match(await other.text(), /no "xmlData" field/);
    const json = await fetch(offline(r.callbackUrl, '1'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(json.status, 400);
    assert.equal(r.db.prepare('SELECT count(*) FROM deliveries').pluck().get(), 0);
  });

  test('a multipart body that ends inside a part: 400, nothing stored, and the receiver goes on', async () => {
    const r = await startTestReceiver();
    for (const name of ['xmlData', 'other']) {
      const cut = await fetch(offline(r.callbackUrl, 'cut'), {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=B' },
        body: `--B\r\nContent-Disposition: form-data; name="${name}"; filename="p.xml"\r\n\r\n<messageOffline>`,
      });
      assert.equal(cut.status, 400);
      assert.match(await cut.text(), /^unreadable form: /);
    }
    assert.equal(r.db.prepare('SELECT count(*) FROM deliveries').pluck().get(), 0);
    assert.equal((await postForm(offline(r.callbackUrl, 'after'), SEED_XML)).status, 200);
  });

  test('a multipart part the form reader would pass over unread (not form-data, no disposition, a line break in a name): 400, nothing stored', async () => {
    const r = await startTestReceiver();
    const good = messagesXml({ mp: [{ ts: 1, user: 'a', content: 'read' }] });
    const lost = messagesXml({ mp: [{ ts: 2, user: 'b', content: 'would be lost' }] });
    const headers = [
      'Content-Disposition: attachment; name="xmlData"',
      'Content-Disposition: form-data; name="xmlData"; filename="a\nb.xml"',
      'Content-Disposition: form-data; name="xml\nData"',
      'Content-Type: text/xml',
    ];
    for (const [i, header] of headers.entries()) {
      const body = `--B\r\nContent-Disposition: form-data; name="xmlData"\r\n\r\n${good}\r\n--B\r\n${header}\r\n\r\n${lost}\r\n--B--\r\n`;
      const answer = await fetch(offline(r.callbackUrl, `skipped-${i}`), {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=B' },
        body,
      });
      assert.equal(answer.status, 400, header);
      assert.match(await answer.text(), /^1 of the form's 2 parts could not be read/);
    }
    assert.equal(r.db.prepare('SELECT count(*) FROM deliveries').pluck().get(), 0);
    // Parts of other fields, read or not, are parts read: the field's value is taken.
    const other = `--B\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n--B\r\nContent-Disposition: form-data; name="xmlData"\r\n\r\n${good}\r\n--B--\r\n`;
    const taken = await fetch(offline(r.callbackUrl, 'other'), {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=B' },
      body: other,
    });
    assert.equal(taken.status, 200);
  });

  test('a body over the limit: 413, by its declared length or as it streams', async () => {
    const r = await startTestReceiver({ maxBodyBytes: 1024 });
    const big = messagesXml({ r: [{ ts: 1, user: 'a', content: 'x'.repeat(2000) }] });
    assert.equal((await postForm(offline(r.callbackUrl, 'big'), big)).status, 413);
    const body = urlencodedBody(Buffer.from(big));
    const chunked = await fetch(offline(r.callbackUrl, 'big2'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < body.length; i += 256) controller.enqueue(new TextEncoder().encode(body.slice(i, i + 256)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413);
    assert.equal((await postForm(offline(r.callbackUrl, 'small'), SEED_XML)).status, 200);
  });

  test('GET functions are not implemented (501); other methods 405', async () => {
    const r = await startTestReceiver();
    const get = await fetch(callbackUrl(r.callbackUrl, { function: 'getDomainPreferences', domainID: 'd' }));
    assert.equal(get.status, 501);
    assert.match(await get.text(), /"getDomainPreferences" is not implemented/);
    assert.equal((await fetch(r.callbackUrl, { method: 'PUT', body: 'x' })).status, 405);
    assert.equal((await fetch(r.callbackUrl.replace('/callback', '/elsewhere'))).status, 404);
  });

  test('when the store cannot commit (database locked past the timeout): 503, then the retry is stored', async () => {
    const r = await startTestReceiver({ busyTimeoutMs: 100 });
    const other = new Database(r.dbPath);
    other.exec('BEGIN IMMEDIATE');
    const locked = await postForm(offline(r.callbackUrl, 'L'), SEED_XML);
    assert.equal(locked.status, 503);
    assert.match(locked.text, /try again/);
    other.exec('ROLLBACK');
    other.close();
    assert.equal(r.db.prepare('SELECT count(*) FROM deliveries').pluck().get(), 0);
    assert.equal((await postForm(offline(r.callbackUrl, 'L'), SEED_XML)).status, 200);
    assert.equal(r.db.prepare('SELECT count(*) FROM entries').pluck().get(), 3);
  });

  test('a stalled client is cut off and holds up nobody', async () => {
    const r = await startTestReceiver({ requestTimeoutMs: 1000 });
    const socket = connect(r.port, '127.0.0.1');
    let closedAt = 0;
    socket.on('close', () => (closedAt = Date.now()));
    socket.on('error', () => {});
    socket.resume(); // read whatever the server says before it hangs up, or 'close' never comes
    socket.write(
      `POST /callback?function=sendOfflineMessages&callID=s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\nxmlData=%3C`,
    );
    const answer = await Promise.race([
      postForm(offline(r.callbackUrl, 'meanwhile'), SEED_XML),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the delivery beside the stalled one got no answer in 5 s')), 5000).unref(),
      ),
    ]);
    assert.equal(answer.status, 200);
    assert.equal(closedAt, 0, 'the delivery beside the stalled one was answered while the stalled one was still open');
    // Past the deadline the server drops the connection: the client sees it close, at the latest
    // when it tries to send more of its body.
    const closed = once(socket, 'close');
    const nudge = setInterval(() => socket.writable && socket.write('x'), 250);
    await closed;
    clearInterval(nudge);
    assert.ok(closedAt > 0, `the stalled connection was closed by the server: ${JSON.stringify(r.log)}`);
    assert.ok(
      r.log.some((line) => /^40[08] /.test(line)),
      `the server logged the cut-off: ${JSON.stringify(r.log)}`,
    );
    assert.equal(r.db.prepare("SELECT count(*) FROM deliveries WHERE call_id = 's'").pluck().get(), 0);
  });
});

describe('access', () => {
  test('with --token the callback path must carry it (403 without it)', async () => {
    const r = await startTestReceiver({ token: 's3cret/ü' });
    assert.match(r.callbackUrl, /\/callback\/s3cret%2F%C3%BC$/);
    assert.equal((await postForm(offline(r.callbackUrl, '1'), SEED_XML)).status, 200);
    for (const wrong of [
      r.callbackUrl.replace('s3cret', 's3crex'),
      r.callbackUrl.replace(/\/callback\/.*/, '/callback'),
      `${r.callbackUrl}x`,
    ]) {
      assert.equal((await postForm(offline(wrong, '2'), SEED_XML)).status, 403, wrong);
    }
    assert.equal((await postForm(offline(r.callbackUrl.replace(/\/callback\/.*/, '/callbackx'), '2'), SEED_XML)).status, 404);
    assert.equal(r.db.prepare('SELECT count(*) FROM deliveries').pluck().get(), 1);
  });

  test('refuses a non-loopback address without a token', async () => {
    const db = openDatabase(`${tempDir()}/omv.sqlite`);
    await assert.rejects(
      startReceiver({ deliveries: new GroupCommit(db), host: '0.0.0.0', port: 0 }),
      /refusing to listen on 0\.0\.0\.0 without --token/,
    );
    db.close();
  });

  test('binds 127.0.0.1 by default', async () => {
    const r = await startTestReceiver();
    assert.match(r.callbackUrl, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  });
});

describe('the form field, read as the body streams', () => {
  const read = async (body: Buffer, cuts: number[] = []) => {
    const { UrlencodedFieldReader } = await import('../main/intake/receiver/urlencodedField.js');
    const reader = new UrlencodedFieldReader('xmlData');
    let at = 0;
    for (const cut of [...cuts.map((c) => c % (body.length + 1))].sort((a, b) => a - b)) {
      reader.push(body.subarray(at, Math.max(at, cut)));
      at = Math.max(at, cut);
    }
    reader.push(body.subarray(at));
    return reader.end();
  };

  test('any bytes, however the body is cut into chunks, come back exactly; other fields and broken escapes are no trouble', async () => {
    const { default: fc } = await import('fast-check');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 6 }), async (bytes, cuts) => {
        const body = Buffer.from(`other=1&${urlencodedBody(bytes)}&xmlDataX=no&x%3Dy=z`);
        // Correctly urlencoded: never taken for a raw value, whatever its bytes decode to.
        assert.deepEqual(await read(body, cuts), [{ bytes: Buffer.from(bytes), raw: false }]);
      }),
      { numRuns: 2000, seed: 7 },
    );
    assert.deepEqual(await read(Buffer.from('xmlData=a+b%zz%4%41%%42'), [5, 12, 13]), [{ bytes: Buffer.from('a b%zz%4A%B'), raw: false }]);
    assert.deepEqual(await read(Buffer.from('xmlDat=a&xmlDataa=b')), []);
  });

  test('a value that starts with a raw "<" or byte-order mark is the rest of the body, byte for byte, however it is cut', async () => {
    const { default: fc } = await import('fast-check');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('<', ' \r\n\t<', '\xEF\xBB\xBF<', '\xFF\xFE'),
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        async (start, rest, cuts) => {
          const value = Buffer.concat([Buffer.from(start, 'latin1'), rest]);
          const body = Buffer.concat([Buffer.from('a=1&xmlData='), value]);
          assert.deepEqual(await read(body, cuts), [{ bytes: value, raw: true }]);
        },
      ),
      { numRuns: 1000, seed: 11 },
    );
    // Each value of the field, in order; an empty one too.
    assert.deepEqual(await read(Buffer.from('xmlData=%3Ca%3E&xmlData=&xmlData=<b>&amp;+%41')), [
      { bytes: Buffer.from('<a>'), raw: false },
      { bytes: Buffer.alloc(0), raw: false },
      { bytes: Buffer.from('<b>&amp;+%41'), raw: true },
    ]);
  });
});
