// A phrase on PostgreSQL is looked up by its pairs of consecutive tokens (the pairs index,
// migration 0440), not as every entry holding all its words: the plan that counts a phrase reads
// only the entries holding it. An entry too large for the index (textMatch.ts's
// WORDS_INDEXED_BYTES, which the migration's SQL says too) is found by its words alone, just over
// the limit as just under it. A phrase too long for one tsquery is answered as SQLite answers it. A
// database of an older omv gets the index, its old entries found by phrase, and `omv check` finds
// nothing to say. A database that is not UTF8 (whose text PostgreSQL counts in bytes) is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openWritePool } from '../main/store/pg/connection.js';
import { openPgEngine, type PgEngine } from '../main/store/pg/engine.js';
import { migratePg } from '../main/store/pg/migrations/index.js';
import { Params } from '../main/store/pg/connection.js';
import { whereClauses, whereSql } from '../main/store/pg/filter.js';
import { WORDS_INDEXED_BYTES } from '../main/store/pg/textMatch.js';
import { delivery, openEngines } from './support/engines.js';
import { messagesXml } from './support/payloads.js';
import { postgresSkipReason, query, startPostgres } from './support/postgres.js';

const skip = postgresSkipReason();
const AT = Date.UTC(2025, 5, 1, 12);

async function store(engine: PgEngine, contents: string[], first = 0): Promise<void> {
  const entries = contents.map((content, i) => ({ ts: AT + first + i, user: `u${i % 7}`, content }));
  const { meta, parsed } = delivery(messagesXml({ lobby: entries }), { receivedAt: AT + first });
  await engine.writes.receive(meta, parsed);
}

/** Content whose words (` token token … `) are exactly `bytes` long: the phrase, then filler tokens. */
function contentOfWords(bytes: number): string {
  const tokens = ['needle', 'haystack'];
  let length = 1 + 'needle '.length + 'haystack '.length;
  while (bytes - length > 20) {
    tokens.push('filler');
    length += 'filler '.length;
  }
  tokens.push('z'.repeat(bytes - length - 1));
  return tokens.join(' ');
}

test('on PostgreSQL, a phrase of common words is looked up by its pairs: only the entries holding it are read', { skip }, async () => {
  const cluster = await startPostgres();
  const engine = await openPgEngine(cluster.url);
  try {
    // Every entry holds both words, 3 of them side by side.
    const contents = Array.from({ length: 3000 }, (_, i) => (i % 1000 === 7 ? `so alpha beta ${i}` : `beta then alpha ${i}`));
    for (let at = 0; at < contents.length; at += 500) await store(engine, contents.slice(at, at + 500), at);
    await query(cluster.url, 'ANALYZE');
    const search = await engine.reads.search({ text: '"alpha beta"' }, 50, ['[', ']']);
    assert.deepEqual(
      search.hits.map((hit) => hit.content),
      ['so alpha beta 2007', 'so alpha beta 1007', 'so alpha beta 7'],
    );
    const params = new Params();
    const clauses = await whereClauses(engine.reader.pool, { text: '"alpha beta"' }, params);
    const [plan] = await query<{ 'QUERY PLAN': unknown }>(
      cluster.url,
      `EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM entries e ${whereSql(clauses)}`,
      params.values,
    );
    const nodes: Array<Record<string, unknown>> = [];
    const walk = (node: Record<string, unknown>) => {
      nodes.push(node);
      for (const child of (node['Plans'] as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
    };
    walk((plan!['QUERY PLAN'] as Array<{ Plan: Record<string, unknown> }>)[0]!.Plan);
    const heapRows = nodes
      .filter((node) => node['Node Type'] === 'Bitmap Heap Scan' || node['Node Type'] === 'Seq Scan')
      .reduce((sum, node) => sum + Number(node['Actual Rows']) + Number(node['Rows Removed by Filter'] ?? 0), 0);
    assert.ok(
      nodes.some((node) => node['Node Type'] === 'Bitmap Index Scan' && String(node['Index Cond']).includes('omv_pairs')),
      'the pairs index finds the candidates',
    );
    assert.equal(heapRows, 3, 'only the 3 entries holding the phrase are read, not the 3,000 holding both words');
  } finally {
    await engine.close();
    cluster.stop();
  }
});

test('on PostgreSQL, an entry just over the index limit is found by its words as one just under it is by the index', { skip }, async () => {
  const cluster = await startPostgres();
  const engine = await openPgEngine(cluster.url);
  try {
    await store(engine, [contentOfWords(WORDS_INDEXED_BYTES), contentOfWords(WORDS_INDEXED_BYTES + 1), 'needle haystack']);
    const rows = await query<{ bytes: number; lexemes: boolean; pairs: boolean }>(
      cluster.url,
      `SELECT octet_length(words) AS bytes, lexemes IS NOT NULL AS lexemes, omv_pairs(words) IS NOT NULL AS pairs FROM entries ORDER BY id`,
    );
    assert.deepEqual(rows, [
      { bytes: WORDS_INDEXED_BYTES, lexemes: true, pairs: true },
      { bytes: WORDS_INDEXED_BYTES + 1, lexemes: false, pairs: false },
      { bytes: ' needle haystack '.length, lexemes: true, pairs: true },
    ]);
    for (const text of ['"needle haystack"', 'haystack', 'needle.hay*', 'needle -nothing'])
      assert.equal(await engine.reads.countEntries({ text }), 3, text);
  } finally {
    await engine.close();
    cluster.stop();
  }
});

test('on PostgreSQL, migrating a database of an older omv indexes its entries by pairs', { skip }, async () => {
  const cluster = await startPostgres();
  let engine = await openPgEngine(cluster.url);
  await store(engine, ['we saw alpha beta here', 'beta alpha', contentOfWords(WORDS_INDEXED_BYTES + 10)]);
  await engine.close();
  // The database as schema 430 had it: no pairs index, and lexemes for any words under 1 MiB of them.
  const writer = openWritePool(cluster.url);
  try {
    await writer.pool.query(
      `DROP INDEX entries_pairs; DROP FUNCTION omv_pairs;
       UPDATE entries SET lexemes = array_to_tsvector(ARRAY['needle', 'haystack', 'filler']) WHERE lexemes IS NULL;
       UPDATE omv_schema SET version = 430`,
    );
    await migratePg(writer);
  } finally {
    await writer.pool.end();
  }
  engine = await openPgEngine(cluster.url);
  try {
    assert.deepEqual(await query(cluster.url, 'SELECT lexemes IS NULL AS unindexed FROM entries ORDER BY id'), [
      { unindexed: false },
      { unindexed: false },
      { unindexed: true },
    ]);
    assert.deepEqual(
      (await engine.reads.search({ text: '"alpha beta"' }, 50, ['[', ']'])).hits.map((hit) => hit.content),
      ['we saw alpha beta here'],
    );
    assert.equal(await engine.reads.countEntries({ text: '"needle haystack"' }), 1);
    const checked = await engine.reads.check();
    assert.ok(checked.ok, checked.lines.join('\n'));
  } finally {
    await engine.close();
    cluster.stop();
  }
});

test('on PostgreSQL, a phrase too long for one tsquery is answered as SQLite answers it', { skip }, async () => {
  const { sqlite, pg } = await openEngines();
  // 600 tokens of 250 astral letters: their pairs are over 1 MiB, more than a tsquery holds.
  const tokens = Array.from({ length: 600 }, (_, i) => String.fromCodePoint(0x1d400 + (i % 26)).repeat(250));
  const phrase = tokens.join(' ');
  for (const engine of [sqlite, pg]) {
    const { meta, parsed } = delivery(
      messagesXml({
        lobby: [
          { ts: AT, user: 'u1', content: phrase },
          { ts: AT + 1, user: 'u1', content: 'other' },
        ],
      }),
    );
    await engine.writes.receive(meta, parsed);
  }
  for (const [text, found] of [
    [`"${phrase}"`, 1],
    [`"${tokens.slice(1).join(' ')} other"`, 0],
    [`${phrase} -other`, 1],
  ] as const)
    for (const engine of [sqlite, pg])
      assert.equal(await engine.reads.countEntries({ text }), found, `${engine.kind}: ${text.slice(0, 20)}…`);
});

test('on PostgreSQL, omv refuses a database that is not UTF8, and leaves it untouched', { skip }, async () => {
  const cluster = await startPostgres();
  try {
    await query(cluster.url, "CREATE DATABASE ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
    const url = cluster.url.replace(/\/omv$/, '/ascii');
    await assert.rejects(openPgEngine(url), /this database's encoding is SQL_ASCII; omv needs a UTF8 database/);
    assert.deepEqual(await query(url, "SELECT to_regclass('omv_schema') AS schema"), [{ schema: null }]);
  } finally {
    cluster.stop();
  }
});
