// omv search on a PostgreSQL store, through the built CLI: the same deliveries in a SQLite file and
// in PostgreSQL print the same lines for the same query — hits, highlights, the exact total —
// including a search whose hits take more than one page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { omv } from './support/cli.js';
import { delivery, openEngines } from './support/engines.js';
import { messagesXml } from './support/payloads.js';
import { postgresSkipReason } from './support/postgres.js';

const skip = postgresSkipReason();
const day = Date.UTC(2025, 6, 1);

const QUERIES = [
  'cafe',
  '"opens at"',
  'köln',
  'gr*',
  'hello -spam',
  '-hello',
  'from:u2',
  'in:kitchen',
  'type:join',
  'after:2025-07-02 hello',
  'nothing-matches-this',
];

test('omv search --store postgres://… prints what omv search prints on a SQLite file holding the same deliveries', { skip }, async () => {
  const engines = await openEngines();
  const deliveries = [
    messagesXml({
      lobby: [
        { ts: day + 1, user: 'u1', content: 'the café opens at nine' },
        { ts: day + 2, user: 'u2', content: 'Grüße aus Köln, hello' },
        { ts: day + 3, user: 'u3', displayName: 'Mallory', content: 'hello =HYPERLINK("x") spam\nsecond line' },
      ],
      kitchen: [{ ts: day + 86_400_000 * 2, user: 'u1', content: 'hello from the kitchen' }],
    }),
    // More hits of one word than a page holds (1,000): the command reads them a page at a time.
    messagesXml({
      hall: Array.from({ length: 1_200 }, (_, i) => ({ ts: day + 10_000 + i, user: `u${i % 7}`, content: `hello number ${i}` })),
    }),
  ];
  for (const xml of deliveries) {
    const { meta, parsed } = delivery(xml);
    await engines.sqlite.writes.receive(meta, parsed);
    const again = delivery(xml);
    await engines.pg.writes.receive(again.meta, again.parsed);
  }
  for (const query of [...QUERIES, ...QUERIES.map((q) => `${q} in:lobby`)]) {
    const onFile = await omv(['search', '--db', engines.sqlitePath, '--limit', '5', query]);
    const onPostgres = await omv(['search', '--store', engines.cluster.url, '--limit', '5', query]);
    assert.equal(onFile.code, 0, onFile.stderr);
    assert.equal(onPostgres.code, 0, onPostgres.stderr);
    assert.equal(onPostgres.stdout, onFile.stdout, `omv search ${query}`);
  }
  const many = await omv(['search', '--store', engines.cluster.url, '--limit', '1100', 'hello']);
  assert.equal(many.stdout, (await omv(['search', '--db', engines.sqlitePath, '--limit', '1100', 'hello'])).stdout);
  assert.match(many.stdout, /\n1100 of 1203 hits shown\n$/);
  assert.equal(many.stdout.split('\n').length, 1102);
  // $OMV_STORE names it as well; the password in a URL is never shown.
  const fromEnvironment = await omv(['search', 'cafe'], {
    env: { OMV_STORE: engines.cluster.url.replace('postgres@', 'postgres:hunter2@') },
  });
  assert.equal(fromEnvironment.code, 0, fromEnvironment.stderr);
  assert.match(fromEnvironment.stdout, /^2025-07-01T00:00:00\.001Z {2}d1\/lobby {2}u1: the \[café\] opens at nine\n1 of 1 hits shown\n$/);
  assert.doesNotMatch(fromEnvironment.stderr, /hunter2/);
  assert.match((await omv(['search', '--db', 'x', '--store', engines.cluster.url, 'cafe'])).stderr, /give --store or --db, not both/);
});
