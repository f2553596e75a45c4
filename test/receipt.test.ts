// A 200 never loses data: the ordinary situations that once answered 200 and dropped or damaged a
// delivery, each through the real receiver, a real SQLite file and real HTTP.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { parseBytes, PayloadError } from '../main/parser/parse.js';
import { deliveriesNamed, multipartBody, notUrlencodedBody, postBody, repeatedFieldBody } from './support/formBodies.js';
import { callbackUrl, postForm, urlencodedBody } from './support/http.js';
import { ABUSE_XML, messagesXml, SEED_XML } from './support/payloads.js';
import { startTestReceiver, type TestReceiver } from './support/receiver.js';

const url = (r: TestReceiver, params: Record<string, string>) =>
  callbackUrl(r.callbackUrl, { function: 'sendOfflineMessages', domainID: 'q', type: 'chat', ...params });
const contents = (r: TestReceiver) =>
  r.db.prepare<[], string>('SELECT content FROM entries WHERE content IS NOT NULL ORDER BY ts').pluck().all();
const one = (ts: number, content: string) => messagesXml({ lobby: [{ ts, user: 'u', content }] });

describe('duplicates are only the same data, already kept', () => {
  test('an empty callID= names nothing: every delivery with one is stored', async () => {
    const r = await startTestReceiver();
    for (const [ts, text] of [
      [1, 'first'],
      [2, 'second'],
      [3, 'third'],
    ] as const) {
      const answer = await postForm(url(r, { callID: '' }), one(ts, text));
      assert.match(answer.text, /^stored as delivery \d+: 1 entries \(1 new\)/);
    }
    assert.deepEqual(contents(r), ['first', 'second', 'third']);
    assert.equal(r.db.prepare('SELECT count(*) FROM deliveries WHERE call_id IS NULL').pluck().get(), 3);
  });

  test('a corrected resend of a quarantined payload, under the same callID, is stored', async () => {
    const r = await startTestReceiver();
    const broken = SEED_XML.replace('</userID>\n</entry>', '</userID>\n</room></entry>');
    assert.match((await postForm(url(r, { callID: 'q11' }), broken)).text, /kept in quarantine/);
    const corrected = await postForm(url(r, { callID: 'q11' }), SEED_XML);
    assert.match(corrected.text, /^stored as delivery 2: 3 entries \(3 new\)/);
    assert.deepEqual(contents(r), ['this is my message']);
    assert.deepEqual(r.db.prepare('SELECT status FROM deliveries ORDER BY id').pluck().all(), ['quarantined', 'stored']);
  });

  test('after a misspelt function name, the same bytes under the right one are stored', async () => {
    const r = await startTestReceiver();
    assert.match(
      (await postForm(url(r, { function: 'sendOflineMessages', callID: 'a' }), SEED_XML)).text,
      /unknown function "sendOflineMessages"/,
    );
    assert.match((await postForm(url(r, { callID: 'b' }), SEED_XML)).text, /^stored as delivery 2: 3 entries \(3 new\)/);
  });

  test('different content under a callID already used is stored; what it repeats is not stored twice', async () => {
    const r = await startTestReceiver();
    await postForm(url(r, { callID: '7' }), messagesXml({ lobby: [{ ts: 1, user: 'u', content: 'old' }] }));
    const reused = await postForm(
      url(r, { callID: '7' }),
      messagesXml({
        lobby: [
          { ts: 1, user: 'u', content: 'old' },
          { ts: 2, user: 'u', content: 'new' },
        ],
      }),
    );
    assert.match(reused.text, /^stored as delivery 2: 2 entries \(1 new\)/);
    assert.deepEqual(contents(r), ['old', 'new']);
  });

  test('the same bytes for another domain belong to that domain', async () => {
    const r = await startTestReceiver();
    await postForm(url(r, { domainID: 'one.example', callID: '1' }), SEED_XML);
    const other = await postForm(url(r, { domainID: 'two.example', callID: '1' }), SEED_XML);
    assert.match(other.text, /^stored as delivery 2: 3 entries \(3 new\)/);
    assert.deepEqual(r.db.prepare('SELECT domain_id FROM rooms ORDER BY domain_id').pluck().all(), ['one.example', 'two.example']);
  });

  test('a body cut short by a wrong Content-Length: the vendor’s retry is stored', async () => {
    const r = await startTestReceiver();
    const body = urlencodedBody(Buffer.from(SEED_XML));
    // Declared 40-odd bytes short, cut between two characters (not inside a %XX escape).
    let declared = body.length - 40;
    while (body[declared - 1] === '%' || body[declared - 2] === '%') declared -= 1;
    const { port } = new URL(r.callbackUrl);
    // The server reads the declared length as the body and the rest as a next request (a bad one).
    const said = await new Promise<string>((resolve) => {
      let heard = '';
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          `POST /callback?function=sendOfflineMessages&domainID=q&callID=cl HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n` +
            `Content-Length: ${declared}\r\n\r\n${body}`,
        );
      });
      socket.on('data', (chunk: Buffer) => {
        heard += chunk.toString();
        if (/HTTP\/1\.1 400/.test(heard)) socket.destroy();
      });
      socket.on('close', () => resolve(heard));
      socket.on('error', () => resolve(heard));
    });
    assert.match(said, /HTTP\/1\.1 400/, 'the sender was told its request was bad');
    // Meanwhile the receiver kept the prefix it did read, in quarantine.
    const quarantined = r.db.prepare("SELECT count(*) FROM deliveries WHERE status = 'quarantined'").pluck();
    while (quarantined.get() === 0) await new Promise((resolve) => setImmediate(resolve));
    const retry = await postForm(url(r, { callID: 'cl' }), SEED_XML);
    assert.match(retry.text, /^stored as delivery \d+: 3 entries \(3 new\)/);
    assert.deepEqual(contents(r), ['this is my message']);
  });
});

describe('damaged bytes damage only what they touch', () => {
  test('one stray invalid byte in UTF-8: that message gets U+FFFD, the rest stays UTF-8, and the delivery says so', async () => {
    const r = await startTestReceiver();
    const xml = Buffer.from(
      messagesXml({
        lobby: [
          { ts: 1, user: 'u', content: 'Grüße 日本 😀' },
          { ts: 2, user: 'u', content: 'bad X byte' },
        ],
      }),
    );
    xml[xml.indexOf('bad X byte') + 4] = 0xff;
    const answer = await postForm(url(r, { callID: 'u8' }), xml);
    assert.match(answer.text, /^stored as delivery 1: 2 entries \(2 new\); repaired: 1 byte that is not UTF-8 replaced with U\+FFFD/);
    assert.deepEqual(contents(r), ['Grüße 日本 😀', 'bad \uFFFD byte']);
    assert.match(r.db.prepare('SELECT repairs FROM deliveries').pluck().get() as string, /not UTF-8/);
    assert.deepEqual(r.db.prepare('SELECT payload FROM deliveries').pluck().get(), xml, 'the raw bytes are kept as they came');
  });

  test('Latin-1 sent as UTF-8 is still read as Latin-1 (no UTF-8 text in it)', async () => {
    const r = await startTestReceiver();
    await postForm(url(r, { callID: 'l1' }), Buffer.from(one(1, 'déjà vu, naïve'), 'latin1'));
    assert.deepEqual(contents(r), ['déjà vu, naïve']);
  });

  test('backslashes stay unless the markup itself shows magic quotes', async () => {
    const r = await startTestReceiver();
    const texts = ['C:\\temp\\new', '\\o/', '¯\\_(ツ)_/¯', 'he typed x=\\"y\\"'];
    // A plain-text element before any CDATA that looks escaped (a room name here).
    const xml = messagesXml({ 'says a=\\"b\\"': texts.map((content, i) => ({ ts: i + 1, user: 'u', content })) });
    assert.match((await postForm(url(r, { callID: 'mq' }), xml)).text, /^stored as delivery 1: 4 entries \(4 new\)$/m);
    assert.deepEqual(contents(r), texts);
    assert.equal(r.db.prepare('SELECT name FROM rooms').pluck().get(), 'says a=\\"b\\"');
    // The abuse report's plain-text description, before its messages, is text too.
    const abuse = ABUSE_XML.replace('accused me of being a "pimp"', 'wrote path=\\"C:\\\\x\\"').replace(
      'this is my message',
      'C:\\temp\\new',
    );
    await postForm(callbackUrl(r.callbackUrl, { function: 'reportAbuse', domainID: 'q', callID: 'ab' }), Buffer.from(abuse, 'latin1'));
    assert.equal(r.db.prepare('SELECT description FROM abuse_reports').pluck().get(), 'Said awful things to me wrote path=\\"C:\\\\x\\"');
  });

  test('a NUL or ESC byte in one message: the others are stored untouched, that one with U+FFFD, and the delivery says so', async () => {
    const r = await startTestReceiver();
    const xml = messagesXml({
      lobby: [
        { ts: 1, user: 'u', content: 'innocent before' },
        { ts: 2, user: 'u', content: 'nul \u0000 and esc \u001b[31m' },
        { ts: 3, user: 'u', content: 'innocent after' },
      ],
    });
    const answer = await postForm(url(r, { callID: 'ctl' }), xml);
    assert.match(
      answer.text,
      /^stored as delivery 1: 3 entries \(3 new\); repaired: 2 control characters XML does not allow replaced with U\+FFFD/,
    );
    assert.deepEqual(contents(r), ['innocent before', 'nul \uFFFD and esc \uFFFD[31m', 'innocent after']);
  });

  test('a content field over the 1 MiB limit is cut there, the rest of the payload is stored, and the delivery says so', async () => {
    const r = await startTestReceiver();
    const huge = 'x'.repeat((1 << 20) + 10);
    const xml = messagesXml({
      lobby: [
        { ts: 1, user: 'u', content: 'before' },
        { ts: 2, user: 'u', content: huge },
        { ts: 3, user: 'u', content: 'after' },
      ],
    });
    const answer = await postForm(url(r, { callID: 'big' }), xml);
    assert.match(
      answer.text,
      /^stored as delivery 1: 3 entries \(3 new\); repaired: <content> of entry 2 \(line \d+\) was longer than 1,048,576 characters: kept the first 1,048,576/,
    );
    const stored = contents(r);
    assert.deepEqual([stored[0], stored[1]!.length, stored[2]], ['before', 1 << 20, 'after']);
  });
});

test('a large payload is parsed off the event loop', async () => {
  const r = await startTestReceiver({ maxBodyBytes: 64 << 20 });
  // Malformed at its very end: the whole of it is parsed, and then only its raw bytes are stored,
  // so what could block the event loop is the parse alone.
  const entries = Array.from({ length: 60_000 }, (_, i) => ({
    ts: 1_700_000_000_000 + i,
    user: `u${i % 50}`,
    content: `message number ${i} with some words in it`,
  }));
  const big = Buffer.from(messagesXml({ lobby: entries }).replace(/<\/messageOffline>\n$/, '</oops></messageOffline>\n'));
  // What parsing it here, on this thread, holds the event loop for.
  const started = performance.now();
  assert.throws(() => parseBytes(big), PayloadError);
  const onThisThread = performance.now() - started;

  // The form body is made first: sender and receiver share this thread, and only the receiver is measured.
  const body = Buffer.from(urlencodedBody(big));
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const response = await fetch(url(r, { callID: 'big' }), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const answer = { text: await response.text() };
  delay.disable();
  assert.match(answer.text, /^kept in quarantine as delivery 1: malformed payload at \d+:\d+: unexpected close tag/);
  const longestBlock = delay.max / 1e6;
  assert.ok(
    longestBlock < onThisThread / 2,
    `the event loop was held for ${longestBlock.toFixed(0)} ms; parsing on this thread takes ${onThisThread.toFixed(0)} ms`,
  );
});

describe('what the sender put in xmlData is what we keep', () => {
  const WORLDLY = 'Привет, мир — 5 € — 😀';
  const payload = Buffer.from(one(1, WORLDLY));
  const kept = (r: TestReceiver) => r.db.prepare<[], Buffer>('SELECT payload FROM deliveries ORDER BY id').pluck().all();

  test('a multipart xmlData part keeps its bytes whatever charset it declares, as a plain field or a file part', async () => {
    // curl -F 'xmlData=<p.xml;type=text/xml;charset=UTF-8' sends a plain field with a charset.
    const charsets = ['UTF-8', 'utf-8', 'utf8', 'latin1', 'iso-8859-1', 'utf-16', 'utf-16le', 'windows-1251', 'x-bogus-charset', null];
    for (const asFile of [false, true]) {
      const r = await startTestReceiver();
      for (const [i, charset] of charsets.entries()) {
        const { body, contentType } = multipartBody([
          { name: 'other', bytes: Buffer.from('ignored ü'), contentType: 'text/plain; charset=utf-8' },
          {
            name: 'xmlData',
            bytes: payload,
            contentType: charset === null ? undefined : `text/xml;charset=${charset}`,
            filename: asFile ? 'p.xml' : undefined,
          },
        ]);
        const answer = await postBody(url(r, { callID: `mp${i}` }), body, contentType);
        assert.equal(answer.status, 200, answer.text);
        const what = `${asFile ? 'file part' : 'plain field'}, charset ${charset}`;
        assert.match(answer.text, i === 0 ? /^stored as delivery 1: 1 entries \(1 new\)$/m : /^already received as delivery 1/, what);
        assert.deepEqual(kept(r), [payload], `the bytes sent are the bytes kept (${what})`);
        assert.deepEqual(contents(r), [WORLDLY], what);
      }
    }
  });

  test('xmlData posted without urlencoding is kept whole to the end of the body, and the delivery says so', async () => {
    const r = await startTestReceiver();
    // `&amp;`, `+` and `%41` would each be read as form syntax in a urlencoded value.
    const text = 'Tom &amp; Jerry + 100%41 &lt;3 €';
    const raw = Buffer.from(one(1, 'x').replace('<![CDATA[x]]>', text));
    const answer = await postBody(url(r, { callID: 'raw' }), notUrlencodedBody(raw), 'application/x-www-form-urlencoded');
    assert.equal(answer.status, 200, answer.text);
    assert.match(
      answer.text,
      /^stored as delivery 1: 1 entries \(1 new\); repaired: xmlData was not urlencoded \(it starts with a raw "<"/,
    );
    assert.deepEqual(contents(r), ['Tom & Jerry + 100%41 <3 €']);
    assert.deepEqual(kept(r), [raw]);
    assert.match(r.db.prepare('SELECT repairs FROM deliveries').pluck().get() as string, /xmlData was not urlencoded/);

    // A literal `&` is not XML: everything after it is still kept, in quarantine with the reason.
    const literal = Buffer.from(one(2, 'x').replace('<![CDATA[x]]>', 'rock & roll'));
    const quarantined = await postBody(url(r, { callID: 'amp' }), notUrlencodedBody(literal, 'a=1&'), 'application/x-www-form-urlencoded');
    assert.match(quarantined.text, /^kept in quarantine as delivery 2: malformed payload at .*; xmlData was not urlencoded/);
    assert.deepEqual(kept(r)[1], literal);
  });

  test('a correctly urlencoded xmlData is never read as raw, whatever it holds', async () => {
    const r = await startTestReceiver();
    // Its decoded bytes start with "<" and hold "&", "+", "%" and raw-looking text: it was encoded, so it is decoded.
    const xml = Buffer.from(one(1, 'x').replace('<![CDATA[x]]>', 'a &amp; b + c %41 &lt; d'));
    const answer = await postForm(url(r, { callID: 'enc' }), xml);
    assert.match(answer.text, /^stored as delivery 1: 1 entries \(1 new\)$/m);
    assert.deepEqual(kept(r), [xml]);
    assert.deepEqual(contents(r), ['a & b + c %41 < d']);
  });

  test('xmlData twice: the same bytes are one delivery, different ones a delivery each, none dropped', async () => {
    const r = await startTestReceiver();
    const [first, second, third, fourth, fifth] = ['first', 'second', 'third', 'fourth', 'fifth'].map((text, i) =>
      Buffer.from(one(i + 10, text)),
    );
    const urlencoded = 'application/x-www-form-urlencoded';
    const same = await postBody(url(r, { callID: 'same' }), repeatedFieldBody([first!, first!]), urlencoded);
    assert.match(
      same.text,
      /^stored as delivery 1: 1 entries \(1 new\); repaired: xmlData came 2 times with the same bytes: stored once$/m,
    );

    const differ = await postBody(url(r, { callID: 'two' }), repeatedFieldBody([second!, third!]), urlencoded);
    assert.equal(differ.status, 200);
    const lines = differ.text.trim().split('\n');
    assert.equal(lines.length, 2, differ.text);
    assert.match(
      lines[0]!,
      /^stored as delivery 2: 1 entries \(1 new\); repaired: xmlData came 2 times in one request with 2 different values: this is value 1 of 2/,
    );
    assert.match(lines[1]!, /^stored as delivery 3: 1 entries \(1 new\); repaired: .*this is value 2 of 2/);

    // The same in a multipart form: a plain field and a file part.
    const { body, contentType } = multipartBody([
      { name: 'xmlData', bytes: fourth!, contentType: 'text/xml; charset=UTF-8' },
      { name: 'xmlData', bytes: fifth!, filename: 'p.xml' },
    ]);
    const multipart = await postBody(url(r, { callID: 'mp' }), body, contentType);
    assert.deepEqual(deliveriesNamed(multipart.text), [4, 5]);
    assert.deepEqual(kept(r), [first, second, third, fourth, fifth]);
    assert.deepEqual(contents(r), ['first', 'second', 'third', 'fourth', 'fifth']);
  });

  test('reading a payload in another encoding than it declares is recorded with the delivery and said in the answer', async () => {
    const r = await startTestReceiver();
    const answer = await postForm(url(r, { callID: 'l1' }), Buffer.from(one(1, 'déjà vu'), 'latin1'));
    assert.match(answer.text, /^stored as delivery 1: 1 entries \(1 new\); repaired: declared utf-8, read as windows-1252$/m);
    assert.equal(r.db.prepare('SELECT repairs FROM deliveries').pluck().get(), 'declared utf-8, read as windows-1252');
    assert.deepEqual(contents(r), ['déjà vu']);
    // ASCII reads the same in any declared single-byte encoding: nothing to say.
    const ascii = await postForm(url(r, { callID: 'a1' }), one(2, 'plain').replace("encoding='utf-8'", "encoding='iso-8859-1'"));
    assert.match(ascii.text, /^stored as delivery 2: 1 entries \(1 new\)$/m);
  });
});

describe('the answer is a line per delivery, whatever a payload quotes', () => {
  test('a reason quoting line breaks from the payload or the URL stays on its line (a payload cannot add "stored as delivery 9")', async () => {
    const r = await startTestReceiver();
    const forged = SEED_XML.replace('<timestamp>1126551127685</timestamp>', '<timestamp>1\nstored as delivery 9: 1 entries</timestamp>');
    const badTimestamp = await postForm(url(r, { callID: 'ts' }), forged);
    assert.equal(badTimestamp.status, 200, badTimestamp.text);
    assert.deepEqual(deliveriesNamed(badTimestamp.text), [1], badTimestamp.text);
    assert.match(
      badTimestamp.text,
      /^kept in quarantine as delivery 1: .*timestamp "1\\nstored as delivery 9: 1 entries" is not epoch milliseconds\n$/,
    );

    const badFunction = await postForm(url(r, { function: 'nope\nstored as delivery 9', callID: 'fn' }), SEED_XML);
    assert.deepEqual(deliveriesNamed(badFunction.text), [2], badFunction.text);
    // What is kept is the reason as it was: escapes are for the line, not the record.
    assert.match(r.db.prepare('SELECT error FROM deliveries WHERE id = 1').pluck().get() as string, /"1\nstored as delivery 9/);
  });
});
