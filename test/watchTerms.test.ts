// Watch terms are read once (shared/watchTerm.ts) for both their uses: the store refuses what the
// desk could not mark, and the desk's marker is built from the same reading, skipping any term an
// older omv stored without that check. Against a real SQLite file, with fast-check for the terms.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { importFile } from '../main/intake/fileImport.js';
import { openDatabase, type Db } from '../main/store/db.js';
import { addWatchTerms, listWatchTerms } from '../main/store/watchlist.js';
import { matchNewEntries } from '../main/api/watchAlerts.js';
import { readsOnThisThread } from '../main/api/readCalls.js';
import { readWatchTerm, watchHighlighter } from '../shared/watchTerm.js';
import { messagesXml } from './support/payloads.js';
import { tempDir } from './support/tmp.js';

/** Terms that broke the desk's marker, or nearly: regex syntax, quotes, lone stars, emoji, right-to-left text, control characters. */
const HOSTILE = [
  '*a',
  'a**',
  '**',
  '*',
  '(',
  '[',
  ')',
  ']',
  '{2}',
  '\\',
  '\\p{L}',
  '"',
  '""',
  '"(["',
  'a(',
  'a|b',
  '^$',
  '.+?',
  '(?<=x)',
  '-',
  '-scam',
  'scam -spam',
  '😀',
  '😀 hello',
  '👨‍👩‍👧',
  'שלום',
  'مَرْحَبًا',
  '\u202Eevil\u202C',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDC00x',
  'x'.repeat(5_000),
];

let dbCount = 0;
function newDb(): Db {
  return openDatabase(join(tempDir(), `omv-${++dbCount}.sqlite`));
}

function compiles(pattern: string, flags: string): boolean {
  try {
    new RegExp(pattern, flags);
    return true;
  } catch {
    return false;
  }
}

test('the store refuses a watch term the desk could not mark (*a, a**, emoji alone), saying why', () => {
  const db = newDb();
  assert.throws(() => addWatchTerms(db, '*a', 'mod'), /"\*a" is refused: \* goes at the end of a word/);
  assert.throws(() => addWatchTerms(db, 'a**', 'mod'), /"a\*\*" is refused: \* goes at the end of a word/);
  assert.throws(() => addWatchTerms(db, '😀', 'mod'), /"😀" is refused: it has no letters or digits/);
  assert.throws(() => addWatchTerms(db, '(', 'mod'), /"\(" is refused: it has no letters or digits/);
  assert.throws(() => addWatchTerms(db, '😀 hello', 'mod'), /"😀 hello" is refused: "😀" in it has no letters or digits/);
  assert.throws(() => addWatchTerms(db, '-scam', 'mod'), /add a word to look for/);
  // One refused line refuses the lot: nothing half-added.
  assert.throws(() => addWatchTerms(db, 'scam*\n*a', 'mod'), /"\*a" is refused/);
  assert.deepEqual(listWatchTerms(db), []);
  assert.deepEqual(addWatchTerms(db, 'scam*\n"meet me"\nשלום\nhello😀', 'mod'), ['scam*', '"meet me"', 'שלום', 'hello😀']);
  db.close();
});

test('reading a hostile watch term never throws: it is refused with a reason, or it is a pattern that compiles', () => {
  for (const term of HOSTILE) {
    const reading = readWatchTerm(term);
    if (reading.ok) assert.ok(compiles(reading.pattern, 'giu'), `${JSON.stringify(term)} → ${reading.pattern}`);
    else assert.match(reading.reason, /is refused: .+/, JSON.stringify(term));
  }
  const marker = watchHighlighter(HOSTILE);
  assert.ok(marker, 'the usable terms among them still mark');
  assert.deepEqual('a scam: hello! שלום'.match(marker), ['a', 'scam', 'שלום'], '"a(" looks for the word a, as the index does');
});

test('one term an older omv stored without the check (*a) is skipped by the marker; the others still mark', () => {
  const marker = watchHighlighter(['*a', 'unicorn*', '"meet me"', '(']);
  assert.ok(marker);
  assert.deepEqual('unicorns: meet, me at the gate, a'.match(marker), ['unicorns', 'meet, me']);
  assert.equal(watchHighlighter(['*a', '(']), null, 'no usable term: nothing to mark');
});

test('every term the store accepts is a pattern that compiles, and the store accepts exactly what the marker can read (property)', () => {
  const db = newDb();
  const line = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.string({ unit: fc.constantFrom('*', '"', '-', ' ', '(', '[', '\\', 'a', 'b', 'é', 'ש', '😀', '\u0301'), maxLength: 12 }),
  );
  fc.assert(
    fc.property(line, (text) => {
      const term = text.trim();
      if (term === '' || term.startsWith('#') || /[\r\n]/.test(text)) return; // not one term: blank, a comment or several lines
      let accepted: boolean;
      try {
        accepted = addWatchTerms(db, text, 'mod').length > 0 || listWatchTerms(db).some((t) => t.term === term);
      } catch (error) {
        assert.match((error as Error).message, /is refused: /);
        accepted = false;
      }
      const reading = readWatchTerm(term);
      assert.equal(
        accepted,
        reading.ok,
        `${JSON.stringify(term)}: store ${accepted ? 'accepted' : 'refused'}, marker ${JSON.stringify(reading)}`,
      );
      if (reading.ok) assert.ok(compiles(reading.pattern, 'giu'), reading.pattern);
    }),
    { numRuns: 400 },
  );
  const stored = listWatchTerms(db).map((t) => t.term);
  for (const term of stored) assert.ok(readWatchTerm(term).ok, term);
  if (stored.length) assert.ok(watchHighlighter(stored) instanceof RegExp);
  db.close();
});

test('what a term finds in the index is what it marks in the text (property over words, phrases and prefixes)', async () => {
  const dir = tempDir();
  const word = fc.stringMatching(/^[a-z0-9]{2,8}$/);
  const separator = fc.constantFrom(' ', ', ', ' - ', '... ', ' (', '! ');
  // The words as the term has them, in the other order, or glued into one longer word behind a letter.
  const shape = fc.constantFrom('as said', 'reversed', 'glued');
  await fc.assert(
    fc.asyncProperty(fc.array(word, { minLength: 1, maxLength: 3 }), separator, fc.boolean(), shape, async (words, sep, prefix, how) => {
      // The language has prefix* on words; a phrase is matched as it is.
      const term = words.length > 1 ? `"${words.join(' ')}"` : `${words[0]}${prefix ? '*' : ''}`;
      const body = how === 'glued' ? `q${words.join('')}` : (how === 'reversed' ? [...words].reverse() : words).join(sep);
      const said = `before ${body}${prefix ? 'xyz' : ''} after`;
      const db = openDatabase(join(dir, `match-${++dbCount}.sqlite`));
      try {
        addWatchTerms(db, term, 'mod');
        const file = join(dir, `said-${dbCount}.xml`);
        writeFileSync(file, messagesXml({ lobby: [{ ts: Date.UTC(2025, 0, 1), user: 'u', content: said }] }, { callID: `c${dbCount}` }));
        await importFile(db, file, { domainId: 'example.com' });
        const found = (await matchNewEntries(db, readsOnThisThread(db))).found === 1;
        const marked = watchHighlighter([term])!.test(said);
        assert.equal(marked, found, `${term} over ${JSON.stringify(said)}: ${found ? 'found' : 'not found'} in the index`);
      } finally {
        db.close();
      }
    }),
    { numRuns: 60 },
  );
});
