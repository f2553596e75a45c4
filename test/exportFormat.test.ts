// The export's formatting, which is hand-tuned for speed, against what it must equal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { random } from './support/synthetic.js';
import { csvCell, csvRow } from '../shared/csv.js';
import { isoTime } from '../shared/entryRecord.js';

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
