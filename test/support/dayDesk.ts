// A desk set up for a moderator's day, for the desk's end-to-end tests: the busy rooms (more
// than 10,000 hits of one word, rooms whose names share a start), a 1:1 room named after both its
// people, an abuse report of one against the other, and, around now, a room roster and the
// messenger's connection list with the room's joins, leaves and messages after them.
import assert from 'node:assert/strict';
import { busySpecs, writeBusyFile } from './busyRooms.js';
import { omv } from './cli.js';
import { newDesk, type Desk } from './desk.js';

export const ONE_TO_ONE = 'alice_42 ↔ bob';

export const REPORT_XML = `<?xml version='1.0' encoding='utf-8'?>
<abuse>
  <reportingUserID>bob</reportingUserID>
  <abuserUserID>alice_42</abuserUserID>
  <abuserIPAddress>192.0.2.7</abuserIPAddress>
  <recordingName>DE291953-5004-C272-9A6A9ABCC3031B35-0F3A</recordingName>
  <reason>Offensive</reason>
  <description><![CDATA[alice_42 kept calling me a "pimp" in our private chat]]></description>
  <conversation><name><![CDATA[${ONE_TO_ONE}]]></name><messages>
    <entry type="msg"><timestamp>${Date.UTC(2024, 2, 2, 10)}</timestamp><userID invisible="false">alice_42</userID><content><![CDATA[you are a pimp and everyone knows]]></content></entry>
  </messages></conversation>
</abuse>`;

export interface DayDesk extends Desk {
  /** When the roster and the connection list arrived (the desk's "now"). */
  rosterAt: number;
}

export async function dayDesk(): Promise<DayDesk> {
  const desk = await newDesk('mod-day', {
    prepare: async (dbPath) => {
      const file = `${dbPath}.busy.xml`;
      writeBusyFile(file, busySpecs());
      const imported = await omv(['import', '--db', dbPath, '--domain', 'example.com', file]);
      assert.equal(imported.code, 0, imported.stderr);
    },
  });
  const ok = (answer: { status: number; text: string }) => assert.equal(answer.status, 200, answer.text);
  ok(
    await desk.deliver(
      {
        [ONE_TO_ONE]: [
          { ts: Date.UTC(2024, 2, 2, 9, 58), user: 'bob', content: 'hi alice, about the trade' },
          { ts: Date.UTC(2024, 2, 2, 9, 59), user: 'alice_42', content: 'what do you want' },
        ],
      },
      'one-to-one',
    ),
  );
  ok(await desk.call('reportAbuse', REPORT_XML, 'report-1'));
  const now = Date.now();
  ok(
    await desk.deliver(
      {
        lobby: [
          { ts: now - 60 * 60_000, user: 'zoe', type: 'join' },
          { ts: now - 50 * 60_000, user: 'yann', content: 'before the roster' },
        ],
      },
      'lobby-before',
    ),
  );
  const rosterAt = Date.now();
  ok(
    await desk.call(
      'sendConnectionList',
      `<rooms><room><name><![CDATA[lobby]]></name><users><user id="erin"/><user id="frank"/></users></room><room><name><![CDATA[${ONE_TO_ONE}]]></name><users><user id="alice_42"/><user id="bob"/></users></room></rooms>`,
      'roster-1',
    ),
  );
  ok(
    await desk.call(
      'sendConnectionList',
      `<connectionList><server>im1.example.com</server><c><f type="m">erin</f><t>gina</t></c><c><f type="s">9f2c0e7a</f><t>frank</t></c></connectionList>`,
      'connections-1',
    ),
  );
  ok(
    await desk.deliver(
      {
        lobby: [
          { ts: rosterAt + 60_000, user: 'frank', type: 'leave' },
          { ts: rosterAt + 120_000, user: 'gina', content: 'gina, after the roster' },
        ],
      },
      'lobby-after',
    ),
  );
  return { ...desk, rosterAt };
}
