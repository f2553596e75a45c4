// Text → the tokens SQLite's FTS5 makes of it with `unicode61 remove_diacritics 2`, the tokenizer
// of the entries' full-text index (migration 0010): runs of token characters (letters, numbers,
// private use, and code points its Unicode tables do not know), folded to lower case with their
// diacritics removed; no stemming; everything else separates. The PostgreSQL store indexes these
// tokens, so a search answers there what it answers in SQLite. This is a port of FTS5's C
// (fts5UnicodeTokenize, sqlite3Fts5UnicodeFold/Category, fts5_remove_diacritic) over its own
// tables (fts5Unicode.ts, generated from the SQLite that better-sqlite3 ships); the test compares
// it with SQLite's fts5vocab, code point by code point and on random text.
import {
  DIACRITIC_CHARS,
  DIACRITIC_KEYS,
  DIACRITIC_MASK0,
  DIACRITIC_MASK1,
  FOLD_ENTRIES,
  FOLD_OFFSETS,
  UNICODE_BLOCK,
  UNICODE_DATA,
  UNICODE_MAP,
} from './fts5Unicode.js';

/** FTS5 keeps at most this many bytes (UTF-8) of a token, in the index and in a query alike. */
export const MAX_TOKEN_BYTES = 32768;

/**
 * Marks a token FTS5 cut inside a character (see cutToken): what follows it is the kept bytes of
 * that character in hex. A control character, so never part of a token otherwise.
 */
export const CUT_MARK = '\u0001';

/** sqlite3Fts5UnicodeCategory: the Unicode general category FTS5 knows a code point by (0: none). */
function category(code: number): number {
  if (code >= 1 << 20) return 0;
  let lo = UNICODE_BLOCK[code >> 16]!;
  let hi = UNICODE_BLOCK[(code >> 16) + 1]!;
  const key = code & 0xffff;
  let found = -1;
  while (hi > lo) {
    const mid = (hi + lo) >> 1;
    if (key >= UNICODE_MAP[mid]!) {
      found = mid;
      lo = mid + 1;
    } else hi = mid;
  }
  if (found < 0) return 0;
  if (key >= UNICODE_MAP[found]! + (UNICODE_DATA[found]! >> 5)) return 0;
  const result = UNICODE_DATA[found]! & 0x1f;
  if (result !== 30) return result;
  return (key - UNICODE_MAP[found]!) & 1 ? 5 : 9;
}

/** The categories unicode61 takes as token characters by default ("L* N* Co"), and 0 (unknown), which FTS5 always does. */
const TOKEN_CATEGORY = (() => {
  const token = new Uint8Array(32);
  for (const c of [0, 5, 6, 7, 8, 9, 30, 13, 14, 15, 31]) token[c] = 1;
  return token;
})();

/** sqlite3Fts5UnicodeAscii: the ASCII token characters, from the same tables (never NUL). */
const ASCII_TOKEN = (() => {
  const ascii = new Uint8Array(128);
  for (let i = 0, entry = 0; i < 128; entry++) {
    const isToken = TOKEN_CATEGORY[UNICODE_DATA[entry]! & 0x1f]!;
    const end = (UNICODE_DATA[entry]! >> 5) + i;
    for (; i < 128 && i < end; i++) ascii[i] = isToken;
  }
  ascii[0] = 0;
  return ascii;
})();

const isTokenChar = (code: number) => (code < 128 ? ASCII_TOKEN[code] === 1 : TOKEN_CATEGORY[category(code)] === 1);

/** sqlite3Fts5UnicodeIsdiacritic: a combining mark that continues a token without starting one. */
function isDiacritic(code: number): boolean {
  if (code < 768 || code > 817) return false;
  return code < 768 + 32 ? (DIACRITIC_MASK0 & (1 << (code - 768))) !== 0 : (DIACRITIC_MASK1 & (1 << (code - 768 - 32))) !== 0;
}

/** fts5_remove_diacritic with bComplex (remove_diacritics 2). */
function removeDiacritic(code: number): number {
  const key = ((code << 3) | 7) >>> 0;
  let found = 0;
  let lo = 0;
  let hi = DIACRITIC_KEYS.length - 1;
  while (hi >= lo) {
    const mid = (hi + lo) >> 1;
    if (key >= DIACRITIC_KEYS[mid]!) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const base = DIACRITIC_KEYS[found]!;
  return code > (base >> 3) + (base & 7) ? code : DIACRITIC_CHARS[found]! & 0x7f;
}

/** sqlite3Fts5UnicodeFold with remove_diacritics 2: lower case, no diacritics; 0 for a mark that folds away. */
function fold(code: number): number {
  if (code < 128) return code >= 65 && code <= 90 ? code + 32 : code;
  if (code < 65536) {
    let lo = 0;
    let hi = FOLD_ENTRIES.length / 3 - 1;
    let found = -1;
    while (hi >= lo) {
      const mid = (hi + lo) >> 1;
      if (code - FOLD_ENTRIES[mid * 3]! >= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    let result = code;
    const start = FOLD_ENTRIES[found * 3]!;
    const flags = FOLD_ENTRIES[found * 3 + 1]!;
    const range = FOLD_ENTRIES[found * 3 + 2]!;
    if (code < start + range && (1 & flags & (start ^ code)) === 0) result = (code + FOLD_OFFSETS[flags >> 1]!) & 0xffff;
    return removeDiacritic(result);
  }
  if (code >= 66560 && code < 66600) return code + 40;
  return code;
}

/** The code point SQLite reads where a JS string holds this one (UTF-8 has no lone surrogates; FTS5 reads U+FFFE/F as U+FFFD). */
function asRead(code: number): number {
  if ((code & 0xfffff800) === 0xd800 || (code & 0xfffffffe) === 0xfffe) return 0xfffd;
  return code;
}

/** String.fromCodePoint over any number of code points (spread over a long token would overflow the stack). */
function fromCodes(codes: number[]): string {
  if (codes.length <= 4096) return String.fromCodePoint(...codes);
  let text = '';
  for (let i = 0; i < codes.length; i += 4096) text += String.fromCodePoint(...codes.slice(i, i + 4096));
  return text;
}

const utf8Length = (code: number) => (code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4);

function utf8Bytes(code: number): number[] {
  if (code < 0x80) return [code];
  if (code < 0x800) return [0xc0 | (code >> 6), 0x80 | (code & 0x3f)];
  if (code < 0x10000) return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
  return [0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
}

/**
 * A token longer than FTS5 keeps, as FTS5 keeps it: its first MAX_TOKEN_BYTES bytes. When the cut
 * falls inside a character, the bytes kept of it follow CUT_MARK in hex: two tokens cut alike
 * are the same token here as they are in FTS5, and a different one stays different.
 */
function cutToken(codes: number[]): string {
  let bytes = 0;
  let kept = 0;
  while (kept < codes.length && bytes + utf8Length(codes[kept]!) <= MAX_TOKEN_BYTES) bytes += utf8Length(codes[kept++]!);
  const whole = fromCodes(codes.slice(0, kept));
  if (bytes === MAX_TOKEN_BYTES || kept === codes.length) return whole;
  const partial = utf8Bytes(codes[kept]!).slice(0, MAX_TOKEN_BYTES - bytes);
  return whole + CUT_MARK + partial.map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A token and where it stands in the text (UTF-16 offsets: `text.slice(start, end)` is what it was made of). */
export interface TokenSpan {
  token: string;
  start: number;
  end: number;
}

/** The tokens of `text` with their places, in order (fts5UnicodeTokenize). */
export function tokenSpans(text: string): TokenSpan[] {
  const spans: TokenSpan[] = [];
  let i = 0;
  const length = text.length;
  // The code point at i is read where it is needed, not by a closure that moves i: V8's Maglev
  // compiled that closure's loop so that, once optimised, a token character ending the text after
  // an astral separator ("and 👍🏽") was now and then dropped (test/tokenize.test.ts).
  const width = (code: number) => (code > 0xffff ? 2 : 1);
  while (i < length) {
    // Separators up to a token character (a diacritic does not start a token).
    let start = i;
    let raw = text.codePointAt(i)!;
    i += width(raw);
    let code = asRead(raw);
    while (!isTokenChar(code)) {
      if (i >= length) return spans;
      start = i;
      raw = text.codePointAt(i)!;
      i += width(raw);
      code = asRead(raw);
    }
    const codes: number[] = [];
    let bytes = 0;
    let end = i;
    for (;;) {
      const folded = fold(code);
      if (folded !== 0) {
        codes.push(folded);
        bytes += utf8Length(folded);
      }
      end = i;
      if (i >= length) break;
      raw = text.codePointAt(i)!;
      code = asRead(raw);
      if (!(isTokenChar(code) || (code >= 128 && isDiacritic(code)))) break;
      i += width(raw);
    }
    spans.push({ token: bytes > MAX_TOKEN_BYTES ? cutToken(codes) : fromCodes(codes), start, end });
  }
  return spans;
}

/** The tokens of `text`, in order: what FTS5 indexes a document as, or a query's quoted string as. */
export function tokenize(text: string | null): string[] {
  return text === null ? [] : tokenSpans(text).map((span) => span.token);
}
