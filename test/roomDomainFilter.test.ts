// in:ROOM within a chat domain (omv export --domain, the API's filter.domain) takes its steps —
// exact name, then another case, then a prefix, then words — among that domain's rooms: a closer
// name in another domain does not hide the domain's own room. On both engines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { StoreEngine } from '../main/store/engine.js';
import { delivery, openEngines } from './support/engines.js';
import { messagesXml } from './support/payloads.js';
import { postgresSkipReason } from './support/postgres.js';
import { parseSearch } from '../shared/searchQuery.js';

const AT = Date.UTC(2025, 6, 1, 12);

/** One message by u1 in each [domain, room, content], each its own delivery. */
async function sayIn(engine: StoreEngine, said: ReadonlyArray<readonly [domain: string, room: string, content: string]>) {
  for (const [domain, room, content] of said) {
    const { meta, parsed } = delivery(messagesXml({ [room]: [{ ts: AT, user: 'u1', content }] }), { domain, receivedAt: AT });
    await engine.writes.receive(meta, parsed);
  }
}

describe('in: within a domain', { skip: postgresSkipReason() }, () => {
  test('finds the domain’s room by its steps, whatever rooms of closer names other domains have', async () => {
    const engines = await openEngines();
    for (const engine of [engines.sqlite, engines.pg] as StoreEngine[]) {
      await sayIn(engine, [
        ['d1', 'lob', 'd1 lob'],
        ['d2', 'lobby', 'd2 lobby'],
        ['d2', 'kitchen', 'd2 kitchen'],
      ]);
      const contents = async (filter: object) =>
        (await engine.reads.timeline(filter, 10, undefined, 'after')).entries.map((e) => e.content);
      // d1 has the exact name; d2 only a room that starts with it.
      assert.deepEqual(await contents({ inRoom: 'lob' }), ['d1 lob'], engine.kind);
      assert.deepEqual(await contents({ inRoom: 'lob', domain: 'd2' }), ['d2 lobby'], engine.kind);
      assert.deepEqual(await contents({ inRoom: 'lob', domain: 'd1' }), ['d1 lob'], engine.kind);
      assert.deepEqual(await contents({ inRoom: 'kitchen', domain: 'd1' }), [], engine.kind);
      assert.equal(await engine.reads.countEntries({ inRoom: 'lob', domain: 'd2' }), 1, engine.kind);
    }
  });

  test('domain:ID typed in the search language narrows as the filter does, in any order, and the room chosen in the list gives way', async () => {
    const engines = await openEngines();
    for (const engine of [engines.sqlite, engines.pg] as StoreEngine[]) {
      await sayIn(engine, [
        ['d1', 'lobby', 'hello from d1 lobby'],
        ['d1', 'kitchen', 'hello from d1 kitchen'],
        ['d2', 'lobby', 'hello from d2 lobby'],
      ]);
      const searched = async (query: string, chosen: object = {}) => {
        const { filter, errors } = parseSearch(query, chosen);
        assert.deepEqual(errors, []);
        const hits = (await engine.reads.timeline(filter, 10, undefined, 'after')).entries.map((e) => e.content).sort();
        assert.equal(await engine.reads.countEntries(filter), hits.length, `${engine.kind}: ${query}`);
        return hits;
      };
      assert.deepEqual(await searched('hello domain:d1'), ['hello from d1 kitchen', 'hello from d1 lobby'], engine.kind);
      assert.deepEqual(await searched('domain:d2 in:lobby'), ['hello from d2 lobby'], engine.kind);
      assert.deepEqual(await searched('in:lobby domain:d2'), ['hello from d2 lobby'], engine.kind);
      assert.deepEqual(await searched('from:u1 DOMAIN:d2'), ['hello from d2 lobby'], engine.kind);
      // d1's lobby chosen in the list, d2 typed: the typed domain's entries, not d1's lobby nor d2's lobby alone.
      assert.deepEqual(await searched('domain:d2', { room: 'lobby', domain: 'd1' }), ['hello from d2 lobby'], engine.kind);
      assert.deepEqual(
        await searched('domain:d1', { room: 'lobby', domain: 'd2' }),
        ['hello from d1 kitchen', 'hello from d1 lobby'],
        engine.kind,
      );
      assert.deepEqual(await searched('domain:d3'), [], engine.kind);
      assert.deepEqual(parseSearch('domain:').errors, ['domain: needs a value']);
      assert.deepEqual(parseSearch('-domain:d1').errors, ['-domain: is not supported: leave the filter out instead']);
    }
  });
});
