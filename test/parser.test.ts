import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChatEntry, PayloadEvent } from '../shared/payload.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBatchBuilder, packEvents, transferables, unpackEvents } from '../main/parser/eventBatch.js';
import { parseBytes, parseStream, PayloadError } from '../main/parser/parse.js';
import { parseInWorker, type FileParseStep } from '../main/parser/parseFile.js';
import { tempDir } from './support/tmp.js';
import { ABUSE_XML, CLASSIC_ARCHIVE_XML, messagesXml, ROOMS_XML, SEED_XML } from './support/payloads.js';

const utf8 = (text: string) => Buffer.from(text, 'utf8');
const latin1 = (text: string) => Buffer.from(text, 'latin1');
const events = (bytes: Uint8Array) => parseBytes(bytes).events;
const entries = (bytes: Uint8Array): ChatEntry[] => events(bytes).flatMap((e) => (e.kind === 'entry' ? [e.entry] : []));

function parseError(bytes: Uint8Array): PayloadError {
  try {
    parseBytes(bytes);
  } catch (error) {
    assert.ok(error instanceof PayloadError, `expected a PayloadError, got ${String(error)}`);
    return error;
  }
  assert.fail('the payload was accepted');
}

describe('payload kinds', () => {
  test('the vendor sample (sendOfflineMessages)', () => {
    assert.deepEqual(events(utf8(SEED_XML)), [
      { kind: 'document', root: 'messageOffline', type: 'chat', callId: '123123' },
      { kind: 'room', name: 'asfd' },
      {
        kind: 'entry',
        entry: {
          room: 'asfd',
          type: 'leave',
          timestamp: 1126551110781,
          timestampRaw: '1126551110781',
          userId: '1',
          invisible: false,
          displayName: null,
          content: null,
        },
      },
      {
        kind: 'entry',
        entry: {
          room: 'asfd',
          type: 'join',
          timestamp: 1126551112343,
          timestampRaw: '1126551112343',
          userId: '1',
          invisible: false,
          displayName: null,
          content: null,
        },
      },
      {
        kind: 'entry',
        entry: {
          room: 'asfd',
          type: 'msg',
          timestamp: 1126551127685,
          timestampRaw: '1126551127685',
          userId: '1',
          invisible: false,
          displayName: null,
          content: 'this is my message',
        },
      },
    ]);
  });

  test('classic archive: no root attributes, display names, an announcement without user', () => {
    const all = events(latin1(CLASSIC_ARCHIVE_XML));
    assert.deepEqual(all[0], { kind: 'document', root: 'messageArchive', type: null, callId: null });
    const [announcement, leave, , msg] = entries(latin1(CLASSIC_ARCHIVE_XML));
    assert.deepEqual(announcement, {
      room: 'asfd',
      type: 'announcement',
      timestamp: 1126551016075,
      timestampRaw: '1126551016075',
      userId: null,
      invisible: null,
      displayName: null,
      content: null,
    });
    assert.equal(leave!.displayName, 'tom');
    assert.equal(msg!.content, 'this is my message');
  });

  test('later archive: type="muc" and callID on the root', () => {
    const xml = messagesXml({ lobby: [{ ts: 1, user: 'a', content: 'hi' }] }, { type: 'muc', callID: 'c-9' }, 'messageArchive');
    assert.deepEqual(events(utf8(xml))[0], { kind: 'document', root: 'messageArchive', type: 'muc', callId: 'c-9' });
  });

  test('abuse report: fields, a quoted plain-text description, its messages as entries before the report', () => {
    const all = events(latin1(ABUSE_XML));
    assert.deepEqual(
      all.map((e) => e.kind),
      ['document', 'room', 'entry', 'abuse'],
    );
    assert.deepEqual(all[3], {
      kind: 'abuse',
      report: {
        reportingUserId: '12345',
        abuserUserId: '23456',
        abuserIpAddress: null,
        recordingName: 'DE291953-5004-C272-9A6A9ABCC3031B35',
        recordingUrl: null,
        description: 'Said awful things to me accused me of being a "pimp"',
        reason: null,
      },
    });
  });

  test('connection list: rooms with their users, an empty room kept', () => {
    assert.deepEqual(events(utf8(ROOMS_XML)), [
      { kind: 'document', root: 'rooms', type: null, callId: null },
      { kind: 'roster', room: 'Lobby', userIds: ['1', '2'] },
      { kind: 'roster', room: 'My Empty Room', userIds: [] },
    ]);
  });
});

describe('edge cases from the protocol notes', () => {
  test('several rooms, an empty <messages/>, and a payload with no rooms', () => {
    const xml = `<messageOffline type="chat" callID="1"><room><name>a</name><messages/></room>
      <room><name><![CDATA[b]]></name><messages><entry type="msg"><timestamp>5</timestamp><userID>u</userID><content>x</content></entry></messages></room></messageOffline>`;
    assert.deepEqual(
      events(utf8(xml)).map((e) => (e.kind === 'room' ? e.name : e.kind)),
      ['document', 'a', 'b', 'entry'],
    );
    assert.deepEqual(events(utf8('<messageOffline type="chat" callID="2"></messageOffline>')), [
      { kind: 'document', root: 'messageOffline', type: 'chat', callId: '2' },
    ]);
  });

  test('unknown entry types are kept as delivered', () => {
    const xml = messagesXml({
      r: [
        { type: 'kick', ts: 10, user: 'mod' },
        { type: 'whisper', ts: 11, user: 'a', content: 'psst' },
      ],
    });
    assert.deepEqual(
      entries(utf8(xml)).map((e) => e.type),
      ['kick', 'whisper'],
    );
  });

  test('invisible as true/false/1/0, absent, or nonsense', () => {
    const xml = `<messageOffline><room><name>r</name><messages>
      <entry type="join"><timestamp>1</timestamp><userID invisible="true">a</userID></entry>
      <entry type="join"><timestamp>2</timestamp><userID invisible="1">b</userID></entry>
      <entry type="join"><timestamp>3</timestamp><userID invisible="0">c</userID></entry>
      <entry type="join"><timestamp>4</timestamp><userID>d</userID></entry>
      <entry type="join"><timestamp>5</timestamp><userID invisible="maybe">e</userID></entry>
    </messages></room></messageOffline>`;
    assert.deepEqual(
      entries(utf8(xml)).map((e) => e.invisible),
      [true, true, false, null, null],
    );
  });

  test('CDATA with markup, newlines, a split ]]>, emoji and right-to-left text', () => {
    const content = '<img src=x onerror=alert(1)>\nline two ]]> still inside 😀 שלום עולם';
    const [entry] = entries(utf8(messagesXml({ r: [{ ts: 1, user: 'a', content }] })));
    assert.equal(entry!.content, content);
  });

  test('timestamps beyond 32 bits stay exact; user IDs stay strings', () => {
    const [entry] = entries(utf8(messagesXml({ r: [{ ts: '9007199254740', user: '007' }] })));
    assert.equal(entry!.timestamp, 9007199254740);
    assert.equal(entry!.userId, '007');
  });

  test('plain-text fields are unescaped and trimmed, CDATA kept exactly', () => {
    const xml = `<messageOffline><room><name>  Tom &amp; Jerry  </name><messages>
      <entry type="msg"><timestamp> 7 </timestamp><userID> u1 </userID><content><![CDATA[  spaced  ]]></content></entry>
    </messages></room></messageOffline>`;
    const [entry] = entries(utf8(xml));
    assert.deepEqual([entry!.room, entry!.userId, entry!.timestamp, entry!.content], ['Tom & Jerry', 'u1', 7, '  spaced  ']);
  });
});

describe('encodings', () => {
  const accented = 'café crème à la française';

  test('iso-8859-1 declared and sent', () => {
    const parsed = parseBytes(
      latin1(messagesXml({ r: [{ ts: 1, user: 'a', content: accented }] }).replace("encoding='utf-8'", "encoding='iso-8859-1'")),
    );
    assert.equal(parsed.events.flatMap((e) => (e.kind === 'entry' ? [e.entry.content] : []))[0], accented);
    assert.equal(parsed.info.encodingNote, null);
  });

  test('iso-8859-1 declared but UTF-8 sent: read as UTF-8', () => {
    const parsed = parseBytes(
      utf8(messagesXml({ r: [{ ts: 1, user: 'a', content: `${accented} 😀` }] }).replace("encoding='utf-8'", "encoding='iso-8859-1'")),
    );
    assert.equal(parsed.events.flatMap((e) => (e.kind === 'entry' ? [e.entry.content] : []))[0], `${accented} 😀`);
    assert.equal(parsed.info.encodingNote, 'declared iso-8859-1, read as utf-8');
  });

  test('UTF-8 declared but Latin-1 sent: read as windows-1252', () => {
    const parsed = parseBytes(latin1(messagesXml({ r: [{ ts: 1, user: 'a', content: accented }] })));
    assert.equal(parsed.events.flatMap((e) => (e.kind === 'entry' ? [e.entry.content] : []))[0], accented);
    assert.equal(parsed.info.encodingNote, 'declared utf-8, read as windows-1252');
  });

  test('reading another encoding than the one declared is a repair, recorded like the others', () => {
    const latin = parseBytes(latin1(messagesXml({ r: [{ ts: 1, user: 'a', content: accented }] })));
    assert.deepEqual(latin.info.repairs, ['declared utf-8, read as windows-1252']);
    const undeclared = parseBytes(latin1(messagesXml({ r: [{ ts: 1, user: 'a', content: accented }] }).replace(/^<\?xml[^>]*>/, '')));
    assert.deepEqual(undeclared.info.repairs, ['no encoding declared (so UTF-8), read as windows-1252']);
    // ASCII reads the same in UTF-8 and in any single-byte encoding declared: nothing was repaired.
    const ascii = parseBytes(
      utf8(messagesXml({ r: [{ ts: 1, user: 'a', content: 'plain' }] }).replace("encoding='utf-8'", "encoding='iso-8859-1'")),
    );
    assert.deepEqual(ascii.info.repairs, []);
    const bogus = parseBytes(
      utf8(messagesXml({ r: [{ ts: 1, user: 'a', content: 'plain' }] }).replace("encoding='utf-8'", "encoding='x-nonsense'")),
    );
    assert.deepEqual(bogus.info.repairs, ['declared x-nonsense, read as utf-8']);
  });

  test('UTF-16 with a byte-order mark', () => {
    const text = `\uFEFF${messagesXml({ r: [{ ts: 1, user: 'a', content: accented }] }).replace("encoding='utf-8'", "encoding='utf-16'")}`;
    assert.equal(entries(Buffer.from(text, 'utf16le'))[0]!.content, accented);
  });

  test('magic quotes: backslashed quotes throughout are undone', () => {
    const slashed = messagesXml({ r: [{ ts: 1, user: 'a', content: `it's "quoted" C:\\dir` }] }).replace(/(["'\\])/g, '\\$1');
    assert.ok(slashed.includes('type=\\"chat\\"'));
    const parsed = parseBytes(utf8(slashed));
    assert.equal(parsed.info.magicQuotes, true);
    assert.equal(parsed.events.flatMap((e) => (e.kind === 'entry' ? [e.entry.content] : []))[0], `it's "quoted" C:\\dir`);
  });

  test('a clean document whose message holds =\\" is not mistaken for magic quotes', () => {
    const content = 'set a=\\"b\\"';
    const parsed = parseBytes(utf8(messagesXml({ r: [{ ts: 1, user: 'a', content }] })));
    assert.equal(parsed.info.magicQuotes, false);
    assert.equal(parsed.events.flatMap((e) => (e.kind === 'entry' ? [e.entry.content] : []))[0], content);
  });
});

describe('malformed and hostile payloads', () => {
  test('a stray closing tag: rejected with line and column', () => {
    const error = parseError(utf8(SEED_XML.replace('</userID>\n</entry>', '</userID>\n</room></entry>')));
    assert.equal(error.line, 9);
    assert.match(error.reason, /unexpected close tag/);
    assert.match(error.message, /^9:\d+: /);
  });

  test('a truncated document', () => {
    assert.match(parseError(utf8(SEED_XML.slice(0, 300))).reason, /unclosed|unexpected end/i);
  });

  test('two roots or text after the root', () => {
    parseError(utf8(`${SEED_XML}<messageOffline/>`));
    parseError(utf8(`${SEED_XML}trailing`));
  });

  test('entity bombs and external entities are refused, never expanded', () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
      <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
      <messageOffline><room><name>&lol3;</name></room></messageOffline>`;
    assert.match(parseError(utf8(bomb)).reason, /DOCTYPE/);
    const external = `<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><messageOffline><room><name>&x;</name></room></messageOffline>`;
    parseError(utf8(external));
    assert.match(parseError(utf8('<messageOffline><room><name>&x;</name></room></messageOffline>')).reason, /undefined entity/);
  });

  test('an unknown root element', () => {
    assert.match(parseError(utf8('<communicationsuite/>')).reason, /not a payload this receiver knows/);
  });

  test('entries that cannot be stored faithfully', () => {
    assert.match(parseError(utf8(messagesXml({ r: [{ ts: 'yesterday', user: 'a' }] }))).reason, /not epoch milliseconds/);
    assert.match(
      parseError(
        utf8(
          '<messageOffline><room><name>r</name><messages><entry type="msg"><userID>a</userID></entry></messages></room></messageOffline>',
        ),
      ).reason,
      /no <timestamp>/,
    );
    assert.match(
      parseError(
        utf8('<messageOffline><room><name>r</name><messages><entry><timestamp>1</timestamp></entry></messages></room></messageOffline>'),
      ).reason,
      /no type/,
    );
    assert.match(
      parseError(
        utf8('<messageOffline><room><messages><entry type="msg"><timestamp>1</timestamp></entry></messages></room></messageOffline>'),
      ).reason,
      /before its room has a <name>/,
    );
  });

  test('nesting deeper than 1,000 levels is refused where it crosses the limit; 1,000 is read', () => {
    const nested = (depth: number) => utf8(`<messageOffline>${'<a>'.repeat(depth - 1)}${'</a>'.repeat(depth - 1)}</messageOffline>`);
    assert.equal(parseBytes(nested(1000)).events.length, 1);
    const error = parseError(nested(1_000_000));
    assert.equal(error.reason, 'elements are nested deeper than 1,000 levels (a payload needs 6): not read further');
    // Line 1, the column just after the 1,001st start tag (the root's 1,000th descendant).
    assert.deepEqual([error.line, error.column], [1, `<messageOffline>${'<a>'.repeat(1000)}`.length + 1]);
  });

  test('not XML at all, and empty', () => {
    parseError(utf8('hello'));
    parseError(utf8(''));
  });
});

describe('streaming', () => {
  async function streamed(bytes: Uint8Array, chunkSize: number): Promise<PayloadEvent[]> {
    const out: PayloadEvent[] = [];
    await parseStream(
      async function* () {
        for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
      },
      (event) => out.push(event),
      () => (out.length = 0),
    );
    return out;
  }

  test('any chunking gives the same events as parsing in one piece', async () => {
    const xml = utf8(messagesXml({ r: [{ ts: 1, user: 'a', content: 'émoji 😀 ]]> split' }], s: [{ ts: 2, user: 'b', type: 'join' }] }));
    for (const size of [1, 2, 3, 7, 64, 100_000]) assert.deepEqual(await streamed(xml, size), events(xml), `chunks of ${size}`);
  });

  test('magic quotes split across chunks', async () => {
    const slashed = utf8(messagesXml({ r: [{ ts: 1, user: 'a', content: 'a "b" \\ c' }] }).replace(/(["'\\])/g, '\\$1'));
    assert.deepEqual(await streamed(slashed, 1), events(slashed));
  });

  test('Latin-1 bytes found late restart the document in the fallback encoding', async () => {
    const bytes = latin1(
      messagesXml({
        r: [
          { ts: 1, user: 'a', content: 'plain' },
          { ts: 2, user: 'a', content: 'naïve' },
        ],
      }),
    );
    const out = await streamed(bytes, 16);
    assert.deepEqual(out, events(bytes));
    assert.equal(out.filter((e) => e.kind === 'entry').length, 2);
  });
});

describe('parsing a file on a worker thread', () => {
  // Every kind of event, and entries with no user, no content, empty content, a display name,
  // invisible unknown, a raw timestamp that is not the number's own form, and non-Latin text.
  const EDGES_XML = messagesXml({
    lobby: [
      { ts: 1, user: 'a', content: 'émoji 😀 and עברית' },
      { ts: '0002', user: 'b', content: '' },
      { ts: 3, type: 'join', user: 'c', invisible: 'maybe' },
      { ts: 4, type: 'announcement', content: 'no user' },
      { ts: 5, user: 'a', displayName: 'Ann', content: 'named' },
    ],
    empty: [],
    second: [{ ts: 6, user: 'a', content: 'lobby again' }],
  });
  const FIXTURES = { SEED_XML, CLASSIC_ARCHIVE_XML, ABUSE_XML, ROOMS_XML, EDGES_XML };

  test('packed events cross a thread boundary unchanged, in order', () => {
    for (const [name, xml] of Object.entries(FIXTURES)) {
      const original = events(utf8(xml));
      const packed = packEvents(original);
      const moved = structuredClone(packed, { transfer: transferables(packed) });
      assert.equal(packed.timestamps.length, 0, `${name}: the typed arrays were moved, not copied`);
      assert.deepEqual([...unpackEvents(moved)], original, name);
    }
  });

  test('a batch packed as its events come grows past its first size and starts afresh after each take', () => {
    // Long contents (more than the 128 bytes an entry is first given), many entries (more than the
    // first allocation), another event in between, then a second batch from the same builder.
    const entry = (i: number, content: string | null): PayloadEvent => ({
      kind: 'entry',
      entry: {
        room: `r${i % 3}`,
        type: 'msg',
        timestamp: i,
        timestampRaw: String(i),
        userId: `u${i % 7}`,
        invisible: null,
        displayName: null,
        content,
      },
    });
    const first: PayloadEvent[] = [{ kind: 'room', name: 'r0' }];
    for (let i = 0; i < 50; i++) first.push(entry(i, i % 5 === 0 ? null : `${'ü😀x'.repeat(i * 20)} ${i}`));
    const second: PayloadEvent[] = [entry(1000, 'short'), { kind: 'room', name: 'r9' }, entry(1001, 'z'.repeat(5000))];
    const builder = new EventBatchBuilder(4);
    for (const event of first) builder.add(event);
    const one = builder.take();
    for (const event of second) builder.add(event);
    const two = builder.take();
    assert.deepEqual([...unpackEvents(structuredClone(one, { transfer: transferables(one) }))], first);
    assert.deepEqual([...unpackEvents(structuredClone(two, { transfer: transferables(two) }))], second);
    assert.equal(builder.size, 0);
  });

  test('buffers handed back after a batch is unpacked are packed into again, and both batches read back whole', () => {
    const entry = (i: number): PayloadEvent => ({
      kind: 'entry',
      entry: {
        room: 'r',
        type: 'msg',
        timestamp: i,
        timestampRaw: String(i),
        userId: `u${i}`,
        invisible: true,
        displayName: null,
        content: `text ${i} ${'é'.repeat(i)}`,
      },
    });
    const first = Array.from({ length: 40 }, (_, i) => entry(i));
    const second = Array.from({ length: 30 }, (_, i) => entry(100 + i));
    const builder = new EventBatchBuilder(64);
    for (const event of first) builder.add(event);
    const one = builder.take();
    const readBack = [...unpackEvents(one)];
    builder.recycle(transferables(one));
    for (const event of second) builder.add(event);
    const two = builder.take();
    assert.deepEqual(readBack, first);
    assert.deepEqual([...unpackEvents(two)], second);
    const reused = transferables(one).filter((buffer) => transferables(two).includes(buffer));
    assert.equal(reused.length, 4, 'every buffer of the second batch is one the first handed back');
  });

  async function fromWorker(
    bytes: Uint8Array,
    batchSize: number,
  ): Promise<{ steps: FileParseStep['kind'][]; events: PayloadEvent[]; error?: unknown }> {
    const path = join(tempDir(), 'payload.xml');
    writeFileSync(path, bytes);
    const steps: FileParseStep['kind'][] = [];
    const out: PayloadEvent[] = [];
    try {
      for await (const step of parseInWorker({ path }, { batchSize, chunkBytes: 7 })) {
        steps.push(step.kind);
        if (step.kind === 'events') out.push(...step.events);
        else if (step.kind === 'restart') out.length = 0;
      }
    } catch (error) {
      return { steps, events: out, error };
    }
    return { steps, events: out };
  }

  test('the same events as parsing in one piece, whatever the batch size', async () => {
    for (const [name, xml] of Object.entries(FIXTURES)) {
      for (const batchSize of [1, 3, 20_000]) {
        const { events: parsed, error } = await fromWorker(utf8(xml), batchSize);
        assert.equal(error, undefined);
        assert.deepEqual(parsed, events(utf8(xml)), `${name} in batches of ${batchSize}`);
      }
    }
  });

  test("a file found not to be UTF-8 restarts, then gives the fallback encoding's events", async () => {
    const bytes = latin1(
      messagesXml({
        r: [
          { ts: 1, user: 'a', content: 'plain' },
          { ts: 2, user: 'a', content: 'naïve' },
        ],
      }),
    );
    const { steps, events: parsed } = await fromWorker(bytes, 1);
    assert.ok(steps.includes('restart'));
    assert.deepEqual(parsed, events(bytes));
  });

  test('a malformed file: the events before the fault, then a PayloadError with line and column', async () => {
    const good = messagesXml({ r: [{ ts: 1, user: 'a', content: 'kept' }] }).replace('</messageOffline>\n', '');
    const { events: parsed, error } = await fromWorker(utf8(`${good}<room><name>x</name></oops></messageOffline>`), 1);
    assert.ok(error instanceof PayloadError, String(error));
    assert.match(error.message, /^\d+:\d+: /);
    assert.deepEqual(
      parsed.flatMap((e) => (e.kind === 'entry' ? [e.entry.content] : [])),
      ['kept'],
    );
  });
});
