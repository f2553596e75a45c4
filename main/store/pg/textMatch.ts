// The search text as PostgreSQL asks it, meaning what FTS5 means by it (shared/ftsQuery.ts makes
// the FTS5 expression from the same terms):
// - every term is a phrase: its text's tokens (shared/tokenize.ts), consecutive in the entry; a
//   prefix term's last token is a prefix; a term with no tokens at all ("&&") is dropped, as FTS5
//   drops an empty phrase;
// - the entry holds every wanted phrase and none of the excluded ones (nothing matches when no
//   wanted phrase is left); text that only excludes selects every entry without any of them.
// An entry's `words` (its tokens between spaces) decides a match exactly, with LIKE; its
// `lexemes` (a tsvector of its distinct tokens, GIN-indexed) finds the candidates of single
// tokens first, and the pairs index (omv_pairs(words): every two consecutive tokens as one
// lexeme, migration 0440) those of a phrase, so a phrase of common words is looked up as itself,
// not as every entry holding all its words. A token or pair is a lexeme up to LEXEME_CHARS code
// points (a tsvector cannot hold a lexeme of 2 KiB); a longer one is kept as its start, which a
// prefix of the query's finds. An entry too large for the index (WORDS_INDEXED_BYTES) has neither
// and is matched by its words alone.
import { searchTerms } from '../../../shared/ftsQuery.js';
import { tokenize } from '../../../shared/tokenize.js';
import type { Params } from './connection.js';

/** One term of the search text as tokens: consecutive, the last one a prefix with `prefix`. */
export interface Phrase {
  tokens: string[];
  prefix: boolean;
}

export type TextQuery =
  /** Entries with every wanted phrase and no excluded one (no wanted phrase left: nothing). */
  | { kind: 'match'; wanted: Phrase[]; excluded: Phrase[] }
  /** Every entry without any of these phrases (none left: every entry). */
  | { kind: 'exclude'; excluded: Phrase[] };

/** A lexeme holds at most this many code points of its token (4 bytes each stays below a tsvector's 2 KiB). */
export const LEXEME_CHARS = 500;

/** How a search text is asked of the index, or null when there is nothing to search for (as ftsParts). */
export function textQuery(text: string): TextQuery | null {
  const terms = searchTerms(text);
  if (terms.length === 0) return null;
  const phrase = (term: (typeof terms)[number]): Phrase => ({ tokens: tokenize(term.text), prefix: term.prefix });
  const nonEmpty = (phrases: Phrase[]) => phrases.filter((p) => p.tokens.length > 0);
  const excluded = nonEmpty(terms.filter((t) => t.negated).map(phrase));
  if (terms.some((t) => !t.negated)) return { kind: 'match', wanted: nonEmpty(terms.filter((t) => !t.negated).map(phrase)), excluded };
  return { kind: 'exclude', excluded };
}

/** A token as the tsvector holds it: its first LEXEME_CHARS code points. */
export function lexemeOf(token: string): string {
  if (token.length <= LEXEME_CHARS) return token;
  const codes = Array.from(token);
  return codes.length <= LEXEME_CHARS ? token : codes.slice(0, LEXEME_CHARS).join('');
}

const codePoints = (text: string) => (text.length <= LEXEME_CHARS ? text.length : Array.from(text).length);

/**
 * The largest `words` (bytes) the index holds: its pairs then stay within a tsvector's input limit
 * of 1 MiB (they are at most twice the words), and its lexemes too. An entry with larger words
 * keeps no lexemes and omv_pairs gives it none (migration 0440 says this number too).
 */
export const WORDS_INDEXED_BYTES = 250_000;

/** An entry's index columns from its tokens: `words` and the lexemes (space-separated, null when too large). */
export function indexColumns(tokens: readonly string[]): { words: string; lexemes: string | null } {
  const words = tokens.length ? ` ${tokens.join(' ')} ` : ' ';
  if (Buffer.byteLength(words) > WORDS_INDEXED_BYTES) return { words, lexemes: null };
  return { words, lexemes: [...new Set(tokens.map(lexemeOf))].join(' ') };
}

/** The bytes of lexemes one tsquery is given at most: half of what a tsquery can hold. */
const TSQUERY_BYTES = 512 * 1024;

/** Two consecutive tokens as one lexeme of the pairs index: the marker is no token character, so no token or other pair reads the same. */
const pairOf = (first: string, second: string) => `~${first}~${second}`;

/** A LIKE pattern's literal text (tokens hold no LIKE characters, but a pattern never trusts its input). */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The LIKE pattern over `words` that holds exactly when the phrase is in the entry. */
export function phrasePattern(phrase: Phrase): string {
  return `% ${likeLiteral(phrase.tokens.join(' '))}${phrase.prefix ? '%' : ' %'}`;
}

/** One lexeme of a tsquery: quoted, with :* for a prefix (a token cut to a lexeme is matched by its start). */
function tsqueryLexeme(token: string, prefix: boolean): string {
  const lexeme = lexemeOf(token);
  const quoted = `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  return prefix || lexeme !== token ? `${quoted}:*` : quoted;
}

/** Whether the tsvector alone decides this phrase (one token, short enough never to be a cut lexeme's equal). */
const lexemeDecides = (phrase: Phrase) => phrase.tokens.length === 1 && codePoints(phrase.tokens[0]!) < LEXEME_CHARS;

/** A phrase of several tokens as the pairs it holds, for a tsquery (the last one a prefix with the phrase's). */
const pairLexemes = (phrase: Phrase) =>
  phrase.tokens
    .slice(1)
    .map((token, i) => tsqueryLexeme(pairOf(phrase.tokens[i]!, token), phrase.prefix && i === phrase.tokens.length - 2));

/**
 * The clause selecting the entries a match query selects (`e` is entries). Null for a query
 * no entry matches (no wanted phrase).
 */
export function matchClause(query: Extract<TextQuery, { kind: 'match' }>, params: Params): string | null {
  if (query.wanted.length === 0) return null;
  // A tsquery holds at most 1 MiB of lexemes: the index is asked for what fits in half of that, and
  // any phrase not wholly asked of it is checked by its words (a pair left out only finds more candidates).
  let room = TSQUERY_BYTES;
  const fits = (lexeme: string) => {
    const bytes = Buffer.byteLength(lexeme);
    if (bytes > room) return false;
    room -= bytes;
    return true;
  };
  const lexemes: string[] = [];
  const pairs: string[] = [];
  const checked: Phrase[] = [];
  for (const phrase of query.wanted) {
    if (phrase.tokens.length > 1) {
      pairs.push(...pairLexemes(phrase).filter(fits));
      checked.push(phrase);
      continue;
    }
    const lexeme = tsqueryLexeme(phrase.tokens[0]!, phrase.prefix);
    const asked = fits(lexeme);
    if (asked) lexemes.push(lexeme);
    if (!asked || !lexemeDecides(phrase)) checked.push(phrase);
  }
  const like = (p: Phrase) => `e.words LIKE ${params.add(phrasePattern(p))}`;
  // Each phrase's words are checked first (cheap, and a row that fails costs nothing more): pairs
  // say the tokens are consecutive two by two, not that three are in one run.
  const indexed = [
    ...checked.map(like),
    ...(lexemes.length ? [`e.lexemes @@ ${params.add(lexemes.join(' & '))}::tsquery`] : []),
    ...(pairs.length ? [`omv_pairs(e.words) @@ ${params.add(pairs.join(' & '))}::tsquery`] : []),
  ].join(' AND ');
  const every = query.wanted.map(like);
  const clauses = [`((${indexed}) OR (e.lexemes IS NULL AND ${every.join(' AND ')}))`];
  for (const p of query.excluded) clauses.push(`e.words NOT LIKE ${params.add(phrasePattern(p))}`);
  return clauses.join(' AND ');
}

/** The clause leaving out the entries holding any of the excluded phrases (null: none to leave out). */
export function excludeClause(query: Extract<TextQuery, { kind: 'exclude' }>, params: Params): string | null {
  if (query.excluded.length === 0) return null;
  return query.excluded.map((p) => `e.words NOT LIKE ${params.add(phrasePattern(p))}`).join(' AND ');
}
