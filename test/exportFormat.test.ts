// The export's formatting, which is hand-tuned for speed, against what it must equal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { random } from './support/synthetic.js';
import { csvCell, csvRow } from '../shared/csv.js';
import { exportValues, isoTime, type EntryRecord } from '../shared/entryRecord.js';
import { ByteChunks } from '../main/export/byteChunks.js';
import { csvRowBytes, type EntryDetails } from '../main/export/csvRowBytes.js';
import type { ExportRow } from '../main/store/entryStream.js';

test('isoTime writes exactly what Date#toISOString writes, across days, centuries and signs', () => {
  const edges = [
    0, -1, 1, 999, 1000, 59_999, 3_599_999, 86_399_999, 86_400_000, -86_400_000, -86_400_001, 951_782_400_000, 1_704_067_201_255,
    253_402_300_799_999, 253_402_300_800_000, -62_198_755_200_000, 8.64e15, -8.64e15,
  ];
  const next = random(42);
  const values = [
    ...edges,
    ...Array.from({ length: 20_000 }, () => Math.floor((next() * 2 - 1) * 8.64e15)),
    ...Array.from({ length: 20_000 }, () => 1.7e12 + Math.floor(next() * 1e9)),
  ];
  for (const ms of values) assert.equal(isoTime(ms), new Date(ms).toISOString(), `at ${ms}`);
  assert.throws(() => isoTime(8.64e15 + 1), RangeError);
  assert.throws(() => isoTime(Number.NaN), RangeError);
});

test('CSV cells: quoted when they must be, formulas neutralised, numbers as they are', () => {
  assert.equal(csvCell('plain'), 'plain');
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('two\r\nlines'), '"two\r\nlines"');
  for (const formula of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])
    assert.equal(csvCell(formula).replace(/^"|"$/g, '').startsWith(`'`), true, formula);
  assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  assert.equal(csvCell('=1+1', false), '=1+1');
  assert.equal(csvCell(-5), '-5');
  assert.equal(csvCell(null), '');
  assert.equal(csvRow([1, null, 'x,y', '=A1']), `1,,"x,y",'=A1\r\n`);
});

/** Text a CSV reader or a spreadsheet could be fooled by, in pieces: cells are made of a few of them. */
const PIECES = [
  ...['', 'plain', 'two words', '=1+1', '+1', '-1', '@SUM(A1)', '\t', '\r', '\n', '\r\n', '"', '""', ',', "'", ' ', '\u0000'],
  ...['é', 'naïve', '日本語', '😀', '\u{1F468}\u200D\u{1F469}', '\uD800', '\uDFFF', 'x\uD83D', '\uFEFF', '\u2028', '\u0085'],
];

/** A row of the plain CSV export as the store gives it, and the record it stands for, made hostile. */
function hostileRows(count: number, seed: number) {
  const next = random(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const text = () => Array.from({ length: Math.floor(next() * 4) }, () => pick(PIECES)).join('');
  // One in a few hundred cells longer than the export's chunk of bytes, in characters of up to four bytes.
  const content = () => (next() < 0.001 ? `${pick(PIECES)}${'a😀é,"\n'.repeat(30_000 + Math.floor(next() * 30_000))}` : text());
  const rooms = Array.from({ length: 40 }, () => ({ domain_id: text(), name: text() }));
  const users = Array.from({ length: 300 }, text);
  const deliveries = Array.from({ length: 20 }, () => ({
    source: pick(['callback', 'import'] as const),
    call_id: next() < 0.3 ? null : text(),
  }));
  const details = { room: (id: number) => rooms[id]!, user: (id: number) => users[id]!, delivery: (id: number) => deliveries[id]! };
  const DAY = 86_400_000;
  const times = [0, -1, 1, 999, 86_399_999, 86_400_000, -86_400_001, 253_402_300_799_999, 253_402_300_800_000, -62_198_755_200_000];
  const edges = [...times, 8.64e15, -8.64e15, 1_704_067_201_255.5, -0.5];
  let ts = 1_704_067_201_255;
  const rows: ExportRow[] = [];
  for (let i = 0; i < count; i++) {
    const roll = next();
    // Mostly in time order (days pass), sometimes anywhere in the range, sometimes at an edge.
    if (roll < 0.8) ts = Math.abs(ts) < 8e15 ? ts + Math.floor(next() * DAY * 0.3) : 1_704_067_201_255;
    else if (roll < 0.9) ts = Math.floor((next() * 2 - 1) * 8.64e15);
    else ts = pick(edges);
    const id = pick([i + 1, 0, 9, 10, 99, 100, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, 1.5]);
    rows.push([
      id,
      ts,
      Math.floor(next() * rooms.length),
      pick(['msg', 'join', 'leave', '=type', 'a,b']),
      next() < 0.2 ? null : Math.floor(next() * users.length),
      next() < 0.6 ? null : text(),
      pick([null, 0, 1] as const),
      next() < 0.1 ? null : content(),
      Math.floor(next() * deliveries.length),
    ]);
  }
  const record = ([id, timestamp, roomId, type, userId, displayName, invisible, content, deliveryId]: ExportRow): EntryRecord => ({
    id,
    timestamp,
    domainId: rooms[roomId]!.domain_id,
    room: rooms[roomId]!.name,
    type,
    userId: userId === null ? null : users[userId]!,
    displayName,
    invisible: invisible === null ? null : invisible === 1,
    content,
    source: deliveries[deliveryId]!.source,
    callId: deliveries[deliveryId]!.call_id,
  });
  return { rows, details, record };
}

test('the plain CSV export’s rows, written as bytes, are csvRow’s of the same entries, byte for byte, whatever they hold', () => {
  const { rows, details, record } = hostileRows(20_000, 7);
  for (const neutraliseFormulas of [true, false]) {
    const chunks: Buffer[] = [];
    const bytes = new ByteChunks((chunk) => chunks.push(chunk));
    const write = csvRowBytes(details as unknown as EntryDetails, neutraliseFormulas);
    const expected: string[] = [];
    for (const row of rows) {
      write(row, bytes);
      expected.push(csvRow(exportValues(record(row)), neutraliseFormulas));
    }
    bytes.handOff();
    const written = Buffer.concat(chunks);
    const wanted = Buffer.from(expected.join(''));
    assert.ok(chunks.length > 10, 'the rows span many chunks, and some are longer than one');
    if (!written.equals(wanted)) {
      const at = written.findIndex((byte, i) => byte !== wanted[i]);
      assert.fail(
        `neutraliseFormulas ${neutraliseFormulas}: byte ${at} differs: ${JSON.stringify(written.subarray(at - 80, at + 40).toString())}`,
      );
    }
  }
});

test('a row whose time is outside the ECMAScript range fails as isoTime fails, whatever came before it on its day', () => {
  const { details } = hostileRows(1, 1);
  const write = csvRowBytes(details as unknown as EntryDetails, true);
  const bytes = new ByteChunks(() => {});
  const row = (ts: number): ExportRow => [1, ts, 0, 'msg', null, null, null, 'hi', 0];
  for (const [within, outside] of [
    [8.64e15, 8.64e15 + 1],
    [-8.64e15, -8.64e15 - 1],
  ]) {
    write(row(within!), bytes);
    assert.throws(() => write(row(outside!), bytes), RangeError);
    assert.throws(() => write(row(Number.NaN), bytes), RangeError);
  }
});
