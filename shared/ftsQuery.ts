// A moderator's search text → an FTS5 MATCH expression. Every word is quoted (so FTS5 operators
// and punctuation in chat text are never syntax), "phrases" stay phrases, word* is a prefix and
// -word excludes. FTS5 has no unary NOT: exclusions need at least one word to look for.
import { UserFacingError } from './userFacingError.js';

export class SearchSyntaxError extends UserFacingError {
  constructor(message: string) {
    super(message);
    this.name = 'SearchSyntaxError';
  }
}

/** One word, "phrase" or prefix* of the search text, as the index will be asked for it. */
export interface SearchTerm {
  text: string;
  phrase: boolean;
  prefix: boolean;
  negated: boolean;
}

const TERM = /(-?)(?:"([^"]*)"?|([^\s"]+))/g;

/** Control characters are no text to search for (and FTS5 ends a string at a NUL). */
const CONTROL = /[\u0000-\u001F\u007F]/g;

/** The search text's words, "phrases" and prefix* terms (control characters and lone `*` dropped). */
export function searchTerms(text: string): SearchTerm[] {
  const found: SearchTerm[] = [];
  for (const match of text.replace(CONTROL, ' ').matchAll(TERM)) {
    const negated = match[1] === '-';
    if (match[2] !== undefined) {
      if (match[2].trim() !== '') found.push({ text: match[2], phrase: true, prefix: false, negated });
      continue;
    }
    const word = match[3]!;
    const prefix = word.length > 1 && word.endsWith('*');
    const bare = prefix ? word.slice(0, -1) : word;
    if (bare.replace(/\*/g, '') !== '') found.push({ text: bare, phrase: false, prefix, negated });
  }
  return found;
}

const quote = (text: string) => `"${text.replace(/"/g, '""')}"`;

function render(term: SearchTerm): string {
  return quote(term.text) + (term.prefix ? '*' : '');
}

/** The FTS5 expression for `text`, or null when there is nothing to search for. */
export function toFtsQuery(text: string): string | null {
  const all = searchTerms(text);
  if (all.length === 0) return null;
  const wanted = all.filter((t) => !t.negated);
  const excluded = all.filter((t) => t.negated);
  if (wanted.length === 0) throw new SearchSyntaxError('add a word to look for: "-word" only excludes');
  return [wanted.map(render).join(' '), ...excluded.map((t) => `NOT ${render(t)}`)].join(' ');
}

/**
 * The search text as the store asks the index: `match`, the expression of the words to look for
 * (as toFtsQuery makes it), or — for text that only excludes (`-spam`) — `exclude`, the expression
 * of every excluded word, whose matches are left out of everything else. Null for no text.
 */
export function ftsParts(text: string): { match: string; exclude: null } | { match: null; exclude: string } | null {
  const all = searchTerms(text);
  if (all.length === 0) return null;
  if (all.some((t) => !t.negated)) return { match: toFtsQuery(text)!, exclude: null };
  return { match: null, exclude: all.map(render).join(' OR ') };
}
