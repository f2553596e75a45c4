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
