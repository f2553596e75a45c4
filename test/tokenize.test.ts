// shared/tokenize.ts makes the tokens SQLite's FTS5 makes, as fts5vocab shows them: for every code
// point (alone, and inside a word), for random text, and for tokens longer than FTS5 keeps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { CUT_MARK, MAX_TOKEN_BYTES, tokenSpans, tokenize } from '../shared/tokenize.js';

/** An in-memory FTS5 table with entries_fts's tokenizer (migration 0010), and its per-token view. */
function fts5() {
  const db = new Database(':memory:');
  db.exec(`
    CREATE VIRTUAL TABLE t USING fts5 (content, tokenize = 'unicode61 remove_diacritics 2');
    CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance');
  `);
  const clear = db.prepare('DELETE FROM t');
  const insert = db.prepare<[number, string]>('INSERT INTO t (rowid, content) VALUES (?, ?)');
  // One document at a time: fts5vocab reads the whole index for any question.
  const terms = db.prepare<[], Buffer>('SELECT CAST(term AS BLOB) FROM v ORDER BY "offset"').pluck();
  /** SQLite's tokens of `text`, as the bytes it stores. */
  const tokensOf = (text: string, id: number): Buffer[] => {
    clear.run();
    insert.run(id, text);
    return terms.all();
  };
  return { db, tokensOf };
}

/** A token as the bytes FTS5 stores: UTF-8, and the kept bytes of a character cut at the limit. */
function tokenBytes(token: string): Buffer {
  const cut = token.indexOf(CUT_MARK);
  if (cut < 0) return Buffer.from(token, 'utf8');
  return Buffer.concat([Buffer.from(token.slice(0, cut), 'utf8'), Buffer.from(token.slice(cut + 1), 'hex')]);
}

function assertSameTokens(sqlite: Buffer[], text: string, label: string) {
  const mine = tokenize(text).map(tokenBytes);
  if (mine.length === sqlite.length && mine.every((b, i) => b.equals(sqlite[i]!))) return;
  const at = mine.findIndex((b, i) => !sqlite[i] || !b.equals(sqlite[i]!));
  const show = (b: Buffer | undefined) => (b ? JSON.stringify(b.toString('utf8')) + ` <${b.toString('hex')}>` : 'none');
  assert.fail(
    `${label}: tokens differ at ${at < 0 ? mine.length : at} of ${sqlite.length} (FTS5) / ${mine.length} (tokenize): ` +
      `FTS5 ${show(sqlite[at < 0 ? mine.length : at])}, tokenize ${show(mine[at])}`,
  );
}

test('every code point tokenizes as FTS5 tokenizes it: starting a word and inside one', () => {
  const { db, tokensOf } = fts5();
  const BLOCK = 2048;
  let doc = 0;
  for (let first = 1; first <= 0x10ffff; first += BLOCK) {
    let text = '';
    for (let code = first; code < Math.min(first + BLOCK, 0x110000); code++) {
      const c = String.fromCodePoint(code);
      // Inside a word (does it join it, how does it fold), and starting one (does it start a token).
      text += ` Q${c}z ${c}x`;
    }
    doc += 1;
    assertSameTokens(tokensOf(text, doc), text, `code points U+${first.toString(16)}…`);
  }
  db.close();
});

test('random text tokenizes as FTS5 tokenizes it (property)', () => {
  const { db, tokensOf } = fts5();
  // Mostly the characters where tokenizers differ: cases, accents, combining marks, scripts
  // folded by table, separators of every kind, lone surrogates; and any code point at all.
  const tricky = fc.constantFrom(
    ...'aZéÉÅåßẞıİǅǈΣσςΐΰᾈᾼΩKÅ\u0300\u0301\u0308\u0327\u0345\u0489\u20dd\ufe0f\u200d\u00ad\u2028\ufeff\ufffe\uffff\ud800\udc00'
      .split('')
      .concat([
        '𐐀',
        '𐐨',
        '😀',
        '👍🏽',
        '日本',
        'ـ',
        '٣',
        '²',
        '½',
        'Ⅻ',
        '\u{e0001}',
        '\u{f0000}',
        '\u{10fffd}',
        ' ',
        '\t',
        '\n',
        '-',
        '_',
        "'",
        '.',
      ]),
  );
  const text = fc.array(fc.oneof({ weight: 4, arbitrary: tricky }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) }), {
    maxLength: 60,
  });
  let doc = 0;
  fc.assert(
    fc.property(text, (parts) => {
      const joined = parts.join('');
      doc += 1;
      assertSameTokens(tokensOf(joined, doc), joined, `text ${JSON.stringify(joined)}`);
    }),
    { numRuns: 3000 },
  );
  db.close();
});

test('a token longer than FTS5 keeps is cut where FTS5 cuts it, inside a character too', () => {
  const { db, tokensOf } = fts5();
  const long = [
    'a'.repeat(MAX_TOKEN_BYTES + 10),
    'É'.repeat(MAX_TOKEN_BYTES / 2 + 3),
    '中'.repeat(11_000), // 3 bytes each: the cut falls inside the 10,923rd
    '中'.repeat(10_922) + 'ab',
    '😀'.repeat(8193),
    'x'.repeat(MAX_TOKEN_BYTES - 1) + '€€',
  ];
  long.forEach((text, i) => assertSameTokens(tokensOf(`before ${text} after`, i + 1), `before ${text} after`, `long token ${i}`));
  assert.ok(tokenize('中'.repeat(11_000))[0]!.includes(CUT_MARK), 'the cut falls inside a character');
  // Two tokens cut alike are one token; cut differently, two.
  assert.equal(tokenize('中'.repeat(11_000))[0], tokenize('中'.repeat(10_923) + 'z')[0]);
  assert.notEqual(tokenize('中'.repeat(11_000))[0], tokenize('中'.repeat(10_922) + 'ab')[0]);
  db.close();
});

test('token spans point at the text each token was made of', () => {
  const text = 'Ça  va? Très-bien, MERCI 👍 naïve\u0301ly';
  assert.deepEqual(
    tokenSpans(text).map(({ token, start, end }) => [token, text.slice(start, end)]),
    [
      ['ca', 'Ça'],
      ['va', 'va'],
      ['tres', 'Très'],
      ['bien', 'bien'],
      ['merci', 'MERCI'],
      ['naively', 'naïve\u0301ly'],
    ],
  );
  assert.deepEqual(tokenize(null), []);
});

test('a token character ending the text after an astral separator is kept however often the tokenizer has run (and optimised)', () => {
  const { tokensOf } = fts5();
  const texts = ['and 👍🏽', '😀 emoji 🎉 astral 𝄞 and 👍🏽', 'x 🎉𝟘'];
  const expected = texts.map((text, i) => tokensOf(text, i + 1));
  // Once V8 had optimised the tokenizer (after a few hundred calls), the last token was dropped now and then.
  for (let round = 0; round < 20_000; round++) {
    tokenize('Crème brûlée à la café');
    const i = round % texts.length;
    assertSameTokens(expected[i]!, texts[i]!, `call ${round + 1}`);
  }
});
