// omv purge --store postgres://…: the rules of a purge on SQLite (held entries and entries of open
// reports kept; their tags and notes go with the rest, the audit rows quoting a note keep the fact
// without the text; counts and activity follow), done as PostgreSQL does retention: a month before
// the date with nothing to keep is dropped as a table, the rest deleted. The payloads kept as proof
// no longer hold the purged text, and omv check and omv audit verify find the database whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { openPgEngine } from '../main/store/pg/engine.js';
import { listMonths } from '../main/store/pg/partitions.js';
import { appendAuditRow } from '../main/store/pg/writes.js';
import { omv, omvServe } from './support/cli.js';
import { callbackUrl, postForm } from './support/http.js';
import { delivery } from './support/engines.js';
import { ABUSE_CONVERSATION_XML, messagesXml } from './support/payloads.js';
import { postgresSkipReason, startPostgres, waitUntil } from './support/postgres.js';

const skip = postgresSkipReason();
const jan = Date.UTC(2024, 0, 10);
const feb = Date.UTC(2024, 1, 10);
const mar = Date.UTC(2024, 2, 10);

test(
  'omv purge --store postgres://… drops a whole month as a table, deletes the rest but what a hold keeps, and forgets the purged text',
  { skip },
  async () => {
    const cluster = await startPostgres();
    const engine = await openPgEngine(cluster.url);
    const client = new pg.Client(cluster.url);
    await client.connect();
    try {
      const deliveries = [
        // January only: its month goes as a table, its payload with it.
        messagesXml({
          lobby: [
            { ts: jan, user: 'u1', content: 'januarysecret one' },
            { ts: jan + 1, user: 'u2', content: 'januarysecret two' },
          ],
        }),
        // February and March in one payload: February's unheld entry goes, the held one and March's stay.
        messagesXml({
          lobby: [
            { ts: feb, user: 'u1', content: 'februarysecret gone' },
            { ts: feb + 1, user: 'u3', content: 'february evidence kept' },
            { ts: mar, user: 'u1', content: 'march stays' },
          ],
        }),
      ];
      for (const xml of deliveries) {
        const { meta, parsed } = delivery(xml);
        await engine.writes.receive(meta, parsed);
      }
      const id = async (content: string) =>
        (await client.query<{ id: number }>('SELECT id FROM entries WHERE content = $1', [content])).rows[0]!.id;
      // A hold on one February entry and a note on one that goes, as the desk records them.
      const hold = (
        await client.query<{ id: number }>(
          "INSERT INTO tags (name, colour, hold, created_at) VALUES ('evidence', '#a30', 1, 0) RETURNING id",
        )
      ).rows[0]!.id;
      await client.query("INSERT INTO tag_links (target, target_id, tag_id, at, moderator) VALUES ('entry', $1, $2, 0, 'maya')", [
        await id('february evidence kept'),
        hold,
      ]);
      const gone = await id('februarysecret gone');
      const note = (
        await client.query<{ id: number }>(
          "INSERT INTO notes (target, target_id, text, moderator, at) VALUES ('entry', $1, 'notesecret', 'maya', 0) RETURNING id",
          [gone],
        )
      ).rows[0]!.id;
      await client.query('BEGIN');
      await appendAuditRow(client, 'note', 'maya', { target: 'entry', id: gone, note, text: 'notesecret' });
      await client.query('COMMIT');
      assert.deepEqual(await listMonths(client), [
        'entries_2024_01',
        'entries_2024_02',
        'entries_2024_03',
        ...(await listMonths(client)).slice(3),
      ]);

      const dry = await omv(['purge', '--store', cluster.url, '--before', '2024-03-01', '--dry-run']);
      assert.equal(
        dry.stdout,
        'would remove 3 entries older than 2024-03-01T00:00:00.000Z; kept 1 under a hold, 0 quoted by open reports\n',
      );

      const run = await omv(['purge', '--store', cluster.url, '--before', '2024-03-01', '--as', 'ops']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        /^removed 3 entries older than 2024-03-01T00:00:00\.000Z; kept 1 under a hold, 0 quoted by open reports \(audit row 2\)\n/,
      );
      assert.match(
        run.stdout,
        /forgotten: 1 whole months dropped, 1 payloads rewritten without them, 1 dropped, 0 quarantined payloads dropped, 1 notes removed \(1 audit rows redacted\)\n/,
      );

      const months = await listMonths(client);
      assert.ok(!months.includes('entries_2024_01'), `January is dropped as a table: ${months.join(', ')}`);
      assert.ok(months.includes('entries_2024_02'));
      assert.deepEqual(
        (await client.query<{ content: string }>('SELECT content FROM entries ORDER BY ts')).rows.map((row) => row.content),
        ['february evidence kept', 'march stays'],
      );
      // No purged text anywhere omv keeps it: entries, payloads, notes, the trail.
      const everything = await client.query<{ text: string }>(
        `SELECT coalesce(string_agg(convert_from(payload, 'UTF8'), ' '), '') || (SELECT coalesce(string_agg(details, ' '), '') FROM audit_log)
         || (SELECT coalesce(string_agg(text, ' '), '') FROM notes) || (SELECT coalesce(string_agg(content || words, ' '), '') FROM entries) AS text
       FROM deliveries WHERE payload IS NOT NULL`,
      );
      assert.doesNotMatch(everything.rows[0]!.text, /januarysecret|februarysecret|notesecret/);
      assert.match(everything.rows[0]!.text, /february evidence kept/);
      const [room] = (await client.query<{ entry_count: number }>("SELECT entry_count::int FROM rooms WHERE name = 'lobby'")).rows;
      assert.equal(room!.entry_count, 2);
      const [last] = (
        await client.query<{ action: string; moderator: string; details: string }>(
          'SELECT action, moderator, details FROM audit_log ORDER BY id DESC LIMIT 1',
        )
      ).rows;
      assert.equal(last!.action, 'purge');
      assert.equal(last!.moderator, 'ops');
      assert.equal(JSON.parse(last!.details).monthsDropped, 1);

      const check = await omv(['check', '--store', cluster.url]);
      assert.equal(check.code, 0, check.stdout);
      const audit = await omv(['audit', 'verify', '--store', cluster.url]);
      assert.equal(audit.code, 0, audit.stdout);
      assert.match(audit.stdout, /^audit chain intact: 2 rows\nredacted: 1 rows' details were removed by a purge/);
    } finally {
      await client.end();
      await engine.close();
    }
  },
);

/** Waits until `sql` finds a row (a session of the cluster is in the state the test waits for), a minute at most. */
test(
  'a report that arrives while a purge runs keeps the message it quotes: stored before the purge decides, or stored again after it',
  { skip },
  async () => {
    const cluster = await startPostgres();
    const server = await omvServe(['--store', cluster.url, '--no-viewer', '--quiet']);
    const post = (fn: string, xml: string) => postForm(callbackUrl(server.callbackUrl, { function: fn, domainID: 'd1' }), xml);
    // The message the report will quote, stored months before the purge's date (September 2005, as the report's copy of it).
    const quoted = { ts: 1126551127685, user: '1', displayName: 'tom', content: 'this is my message' };
    assert.equal((await post('sendOfflineMessages', messagesXml({ asfd: [quoted] }))).status, 200);
    const client = new pg.Client(cluster.url);
    await client.connect();
    try {
      // The purge is held half way: it has decided what goes and waits for a room's row this test locks.
      await client.query('BEGIN');
      await client.query("SELECT 1 FROM rooms WHERE name = 'asfd' FOR UPDATE");
      const purging = omv(['purge', '--store', cluster.url, '--before', '2006-01-01']);
      await waitUntil(cluster.url, "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE rooms%'");
      // Meanwhile the vendor delivers a report quoting that message.
      const reporting = post('reportAbuse', ABUSE_CONVERSATION_XML);
      // It reaches the writer, whose group waits for the purge's transaction (the advisory lock, locks.ts).
      await waitUntil(
        cluster.url,
        "SELECT 1 FROM pg_stat_activity WHERE application_name = 'omv writer' AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
      );
      await client.query('COMMIT');
      const [purged, reported] = await Promise.all([purging, reporting]);
      assert.equal(purged.code, 0, purged.stderr);
      assert.equal(reported.status, 200, reported.text);
      const evidence = await client.query<{ status: string; content: string }>(
        `SELECT a.status, e.content FROM abuse_reports a JOIN abuse_report_entries l ON l.report_id = a.id JOIN entries e ON e.id = l.entry_id`,
      );
      assert.deepEqual(evidence.rows, [{ status: 'open', content: 'this is my message' }], 'the open report still quotes its message');
    } finally {
      await client.end();
    }
  },
);
