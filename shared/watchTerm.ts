// A watchlist term read once, for both of its uses: the store refuses a term this refuses (with
// why, for the moderator), and the desk marks matches with the pattern this builds. So every term
// the store accepts is a pattern that compiles; a term stored before this check (an older omv kept
// `*a`) is skipped by the marker instead of breaking it.
//
// A term is read as the search language reads it (ftsQuery.ts): words, "phrases", prefix*. The
// index keeps words only (runs of letters and digits, case and accents folded), so the pattern
// looks for the same runs, with anything that is not a letter or digit between the words of a phrase.
import { SearchSyntaxError, searchTerms, toFtsQuery, type SearchTerm } from './ftsQuery.js';

export type WatchTermReading = { ok: true; pattern: string } | { ok: false; reason: string };

/** Longer is no word or phrase, and a pattern that size would only slow every line of chat. */
export const MAX_WATCH_TERM_LENGTH = 200;

const WORD_CHAR = '[\\p{L}\\p{N}\\p{M}]';
const NOT_WORD_CHAR = '[^\\p{L}\\p{N}\\p{M}]';
const WORDS = /[\p{L}\p{N}\p{M}]+/gu;

/** Regex syntax escaped (only syntax characters: the `u` flag refuses any other escape). */
const escapeRegex = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

function wordsPattern(term: SearchTerm): string {
  const words = term.text.match(WORDS) ?? [];
  const end = term.prefix ? `${WORD_CHAR}*` : `(?!${WORD_CHAR})`;
  return words.map(escapeRegex).join(`${NOT_WORD_CHAR}+`) + end;
}

function refusalOf(term: string): string | null {
  if (term.length > MAX_WATCH_TERM_LENGTH) return `a watch term is a word or a phrase: at most ${MAX_WATCH_TERM_LENGTH} characters`;
  try {
    if (toFtsQuery(term) === null) return 'it has no word to look for';
  } catch (error) {
    if (error instanceof SearchSyntaxError) return error.message;
    throw error;
  }
  const wanted = searchTerms(term).filter((t) => !t.negated);
  // A bare word with * anywhere but its end: the index cannot look inside words, so `*a` would
  // quietly look for the word "a". Inside "a phrase", * is punctuation, as any other.
  if (wanted.some((t) => !t.phrase && t.text.includes('*'))) return '* goes at the end of a word, for the words that start with it (scam*)';
  // The index would quietly ignore such a piece ("😀 hello" finds every hello): say so instead.
  const wordless = wanted.find((t) => (t.text.match(WORDS) ?? []).length === 0);
  if (wordless) {
    const piece = wanted.length === 1 ? 'it has' : `"${wordless.text}" in it has`;
    return `${piece} no letters or digits: the index keeps words only, so emoji and punctuation are never found`;
  }
  return null;
}

/** A watch term as a pattern over plain text (flags `iu`), or why it cannot be a watch term. Never throws. */
export function readWatchTerm(term: string): WatchTermReading {
  const text = term.trim();
  const refusal = refusalOf(text);
  if (refusal !== null) return { ok: false, reason: `"${text.slice(0, 40)}${text.length > 40 ? '…' : ''}" is refused: ${refusal}` };
  // Longest first, so a phrase is marked whole rather than its first word alone.
  const alternatives = searchTerms(text)
    .filter((t) => !t.negated)
    .map(wordsPattern)
    .sort((a, b) => b.length - a.length);
  // Built from escaped letters and digits alone, it compiles (test/watchTerms.test.ts proves it for
  // every term the store accepts): not compiled here, where a list of 10,000 terms would cost the
  // writer's thread a second and a half of unicode-class compiling.
  return { ok: true, pattern: `(?<!${WORD_CHAR})(?:${alternatives.join('|')})` };
}

/** The pattern that marks every usable term in text (flags `giu`), or null when none is usable; unusable terms are skipped. */
export function watchHighlighter(terms: readonly string[]): RegExp | null {
  const patterns = terms.map(readWatchTerm).flatMap((reading) => (reading.ok ? [reading.pattern] : []));
  if (patterns.length === 0) return null;
  try {
    return new RegExp(patterns.join('|'), 'giu');
  } catch {
    return null; // each term compiles alone, so only a list too large for one pattern lands here: no marks beats no desk
  }
}
