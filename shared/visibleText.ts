// Stored text is hostile: a room name, a user id, a query parameter or a moderator's name can
// carry ESC[2J (clear the screen), OSC 52 (write the clipboard), a C1 CSI, a carriage return that
// overwrites the line before it, or a bidi override that shows text in another order than it is.
// Everything the CLI prints that came from outside goes through forTerminal: such characters are
// shown as escapes (\x1b, \x9b, \u202e) rather than acted on by the terminal. The receiver's
// answer and log lines too: a reason that quotes a payload's text stays on its one line. (Plain
// functions only: every command loads this; the stream for an export is in main/cli/terminalStream.ts.)

// C0 controls, DEL, C1 controls; the bidi embeddings, overrides, isolates and marks; the line and
// paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// Keeping lines: newline, tab and a CR that ends a line (CRLF) stay.
const UNSAFE_KEEPING_LINES =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;

function escape(char: string): string {
  const code = char.charCodeAt(0);
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  if (char === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` as a terminal may show it: every control, bidi and line-breaking character as a visible
 * escape. With `keepLines` (a whole payload or file shown on a terminal) newlines, tabs and CRLF stay.
 */
export function forTerminal(text: string, { keepLines = false }: { keepLines?: boolean } = {}): string {
  return text.replace(keepLines ? UNSAFE_KEEPING_LINES : UNSAFE, escape);
}

// The desk (a web page) shows stored text too. A name — a room's, a user's ID or display name, a
// moderator's — shows every control and invisible format character as its escape (the same as the
// CLI's): a bidi override, embedding or isolate, a mark, a zero-width space or joiner, a soft
// hyphen, a byte order mark, a Hangul filler, a tag character. Variation selectors (which only
// pick a glyph: ❤️) stay. Message content keeps what writing needs (the marks and joiners of
// right-to-left and Indic text, emoji sequences): only the overrides, embeddings and isolates,
// which show text in another order than it is, are escaped there.
const HIDDEN_IN_NAMES = /(?![\uFE00-\uFE0F\u{E0100}-\u{E01EF}])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/gu;
const REORDERING = /[\u202a-\u202e\u2066-\u2069]/g;

const CHARACTER_NAMES: Readonly<Record<number, string>> = {
  0x00ad: 'soft hyphen',
  0x061c: 'Arabic letter mark',
  0x200b: 'zero-width space',
  0x200c: 'zero-width non-joiner',
  0x200d: 'zero-width joiner',
  0x200e: 'left-to-right mark',
  0x200f: 'right-to-left mark',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
  0x202a: 'left-to-right embedding',
  0x202b: 'right-to-left embedding',
  0x202c: 'pop directional formatting',
  0x202d: 'left-to-right override',
  0x202e: 'right-to-left override',
  0x2060: 'word joiner',
  0x2066: 'left-to-right isolate',
  0x2067: 'right-to-left isolate',
  0x2068: 'first strong isolate',
  0x2069: 'pop directional isolate',
  0xfeff: 'zero-width no-break space (byte order mark)',
};

/** A character shown as its escape: the escape, and what it is (for a tooltip). */
export interface HiddenCharacter {
  escape: string;
  about: string;
}

function hiddenCharacter(char: string): HiddenCharacter {
  const code = char.codePointAt(0)!;
  const escaped = code > 0xffff ? `\\u{${code.toString(16)}}` : escape(char);
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  const name = CHARACTER_NAMES[code] ?? (code < 0x20 || (code >= 0x7f && code <= 0x9f) ? 'a control character' : 'an invisible character');
  return { escape: escaped, about: `U+${hex}, ${name}: shown as its code, not acted on` };
}

/**
 * `text` as the desk shows it, in parts: plain text, and each control or invisible character (in a
 * `name`; only the reordering ones in `content`) as its escape.
 */
export function visibleParts(text: string, kind: 'name' | 'content' = 'name'): Array<string | HiddenCharacter> {
  const pattern = kind === 'name' ? HIDDEN_IN_NAMES : REORDERING;
  const parts: Array<string | HiddenCharacter> = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(hiddenCharacter(match[0]));
    last = match.index + match[0].length;
  }
  if (last < text.length || parts.length === 0) parts.push(text.slice(last));
  return parts;
}

/** A name as plain text (a tooltip, a window's title, an accessible name): its hidden characters as escapes. */
export function forScreen(text: string, kind: 'name' | 'content' = 'name'): string {
  return visibleParts(text, kind)
    .map((part) => (typeof part === 'string' ? part : part.escape))
    .join('');
}
