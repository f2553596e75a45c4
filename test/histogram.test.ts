import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { storeDelivery } from '../main/store/deliveries.js';
import { openDatabase } from '../main/store/db.js';
import { entryHistogram } from '../main/store/entryHistogram.js';
import { parseBytes } from '../main/parser/parse.js';
import { messagesXml, type EntrySpec } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

test('the activity histogram counts exactly what the entries hold, per room, over any range', () => {
  const db = openDatabase(join(tempDir(), 'omv.sqlite'));
  const base = Date.UTC(2024, 4, 1, 7, 30);
  const spread = (room: number): EntrySpec[] =>
    Array.from({ length: 1500 }, (_, i) => ({
      ts: base + i * 1_730_000 + room * 7_919,
      user: `u${i % 4}`,
      type: i % 9 === 0 ? 'join' : 'msg',
      content: i % 9 === 0 ? undefined : `m${i}`,
    }));
  const xml = Buffer.from(messagesXml({ north: spread(0), south: spread(1) }));
  const meta = {
    source: 'callback' as const,
    function: 'sendOfflineMessages',
    domainId: 'd',
    type: 'chat',
    callId: '1',
    receivedAt: 0,
    payload: xml,
    payloadSize: xml.length,
    sha256: 'h',
  };
  storeDelivery(db, meta, { ok: true, events: parseBytes(xml).events, repairs: [] });

  const count = db
    .prepare<{ lo: number; hi: number; room: number | null }, number>(
      'SELECT count(*) FROM entries WHERE ts >= @lo AND ts < @hi AND (@room IS NULL OR room_id = @room)',
    )
    .pluck();
  const exact = (lo: number, hi: number, room: number | null) => count.get({ lo, hi, room });
  const roomId = (name: string) => db.prepare<[string], number>('SELECT id FROM rooms WHERE name = ?').pluck().get(name)!;
  for (const [filter, room] of [
    [{}, null],
    [{ room: 'south' }, roomId('south')],
    [{ room: 'north', from: base + 20 * 3_600_000, to: base + 400 * 3_600_000 }, roomId('north')],
  ] as const) {
    const histogram = entryHistogram(db, filter, 40);
    assert.ok(histogram.bucketMs % 3_600_000 === 0, 'whole hours: read from the activity table');
    histogram.counts.forEach((count, i) => {
      const lo = histogram.from + i * histogram.bucketMs;
      const loBound = Math.max(lo, 'from' in filter ? filter.from : -Infinity);
      const hiBound = Math.min(lo + histogram.bucketMs, 'to' in filter ? filter.to + 1 : Infinity);
      assert.equal(count, exact(loBound, hiBound, room), `bucket ${i} of ${JSON.stringify(filter)}`);
    });
  }
  // A zoomed-in range and a user filter count entries directly, and agree with them too.
  const zoomed = entryHistogram(db, { room: 'north', from: base, to: base + 2 * 3_600_000 }, 40);
  assert.equal(
    zoomed.counts.reduce((a, b) => a + b, 0),
    exact(base, base + 2 * 3_600_000 + 1, roomId('north')),
  );
  const user = entryHistogram(db, { user: 'u1' }, 40);
  assert.equal(
    user.counts.reduce((a, b) => a + b, 0),
    750,
  );
  // Hits over time: each bucket holds exactly the matching entries of its span, in a room or all.
  const matching = db
    .prepare<{ lo: number; hi: number; room: number | null }, number>(
      "SELECT count(*) FROM entries WHERE ts >= @lo AND ts < @hi AND content GLOB 'm1*' AND (@room IS NULL OR room_id = @room)",
    )
    .pluck();
  for (const [filter, room] of [
    [{ text: 'm1*' }, null],
    [{ text: 'm1*', room: 'south' }, roomId('south')],
  ] as const) {
    const hits = entryHistogram(db, filter, 40);
    assert.ok(hits.counts.reduce((a, b) => a + b, 0) > 0);
    hits.counts.forEach((n, i) => {
      const lo = hits.from + i * hits.bucketMs;
      assert.equal(n, matching.get({ lo, hi: lo + hits.bucketMs, room }), `bucket ${i} of ${JSON.stringify(filter)}`);
    });
  }
  db.close();
});

test('a few entries far from the rest are left out of the chart and counted, not squeezing it into one bar', () => {
  const db = openDatabase(join(tempDir(), 'omv.sqlite'));
  const base = Date.UTC(2020, 0, 1);
  const bulk: EntrySpec[] = Array.from({ length: 2000 }, (_, i) => ({ ts: base + i * 3_600_000, user: 'u', content: `m${i}` }));
  const stray = [
    { ts: Date.UTC(2005, 5, 1), user: 'old', content: 'from 2005' },
    { ts: Date.UTC(2031, 0, 1), user: 'late', content: 'from 2031' },
  ];
  const xml = Buffer.from(messagesXml({ lobby: [...stray, ...bulk] }));
  storeDelivery(
    db,
    {
      source: 'callback',
      function: 'sendOfflineMessages',
      domainId: 'd',
      type: null,
      callId: '1',
      receivedAt: 0,
      payload: xml,
      payloadSize: xml.length,
      sha256: 'h',
    },
    { ok: true, events: parseBytes(xml).events, repairs: [] },
  );
  const chart = entryHistogram(db, {}, 100);
  assert.deepEqual(chart.outliers, { before: 1, after: 1, earliest: Date.UTC(2005, 5, 1), latest: Date.UTC(2031, 0, 1) });
  assert.equal(chart.from, base);
  assert.equal(
    chart.counts.reduce((a, b) => a + b, 0),
    2000,
  );
  assert.ok(chart.counts.filter((n) => n > 0).length > 50, 'the bulk is spread over the chart, not one bar');
  // A range the moderator chose is shown whole.
  const chosen = entryHistogram(db, { from: Date.UTC(2004, 0, 1), to: Date.UTC(2032, 0, 1) }, 100);
  assert.equal(chosen.outliers, undefined);
  assert.equal(
    chosen.counts.reduce((a, b) => a + b, 0),
    2002,
  );
  db.close();
});
